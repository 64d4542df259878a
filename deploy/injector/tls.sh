#!/usr/bin/env bash
# Creates (or renews) the injector's serving certificate and tells the API server to trust it:
#   1. a CA and a certificate for vaultlet-injector.<namespace>.svc, made with openssl;
#   2. the Secret vaultlet-injector-tls holding them (the injector re-reads it every minute);
#   3. the CA as caBundle of the MutatingWebhookConfiguration ("add": the manifest has none, and
#      re-applying the manifest leaves this one in place).
# Run it once after `kubectl apply -k deploy/injector`, and again before DAYS run out.
# With cert-manager, use deploy/overlays/cert-manager instead.
set -euo pipefail

NAMESPACE="${NAMESPACE:-vaultlet-system}"
SERVICE="${SERVICE:-vaultlet-injector}"
WEBHOOK="${WEBHOOK:-vaultlet-injector}"
DAYS="${DAYS:-365}"
KUBECTL="${KUBECTL:-kubectl}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dns="${SERVICE}.${NAMESPACE}.svc"

openssl req -x509 -newkey rsa:2048 -nodes -days "$DAYS" -subj "/CN=vaultlet-injector-ca" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=${dns}" -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s.cluster.local\nextendedKeyUsage=serverAuth\n' "$dns" "$dns" > "$work/ext.cnf"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days "$DAYS" -extfile "$work/ext.cnf" -out "$work/tls.crt" 2>/dev/null

"$KUBECTL" -n "$NAMESPACE" create secret tls vaultlet-injector-tls \
  --cert="$work/tls.crt" --key="$work/tls.key" --dry-run=client -o yaml | "$KUBECTL" apply -f -
ca_bundle="$(base64 < "$work/ca.crt" | tr -d '\n')"
"$KUBECTL" patch mutatingwebhookconfiguration "$WEBHOOK" --type=json \
  -p "[{\"op\":\"add\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"${ca_bundle}\"}]"
echo "vaultlet injector certificate for ${dns} installed (valid ${DAYS} days)"
