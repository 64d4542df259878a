#!/usr/bin/env bash
# The Vault side of the example, through Vault's HTTP API (curl only, no vault CLI needed):
#   - the kubernetes auth method (enabled unless ENABLE_AUTH=false) and its config,
#   - the policy "demo-app": read database/creds/demo and secret/data/demo/*,
#   - the role "demo": service account demo-app in namespace demo, tokens with audience "vault".
# Needs VAULT_ADDR and VAULT_TOKEN (a token that may write sys/auth, sys/policies and auth/*);
# honours VAULT_CACERT and VAULT_NAMESPACE. Safe to run again: every write is idempotent.
set -euo pipefail

: "${VAULT_ADDR:?set VAULT_ADDR, e.g. https://vault.example:8200}"
: "${VAULT_TOKEN:?set VAULT_TOKEN to a token allowed to configure auth methods and policies}"
AUTH_MOUNT="${AUTH_MOUNT:-kubernetes}"
ENABLE_AUTH="${ENABLE_AUTH:-true}"
K8S_HOST="${K8S_HOST:-https://kubernetes.default.svc}"
K8S_CA_FILE="${K8S_CA_FILE:-}"             # the cluster CA; empty when Vault runs in the cluster
REVIEWER_JWT_FILE="${REVIEWER_JWT_FILE:-}" # kubectl -n vault get secret vault-token-reviewer -o jsonpath='{.data.token}' | base64 -d
ROLE="${ROLE:-demo}"
POLICY="${POLICY:-demo-app}"
APP_NAMESPACE="${APP_NAMESPACE:-demo}"
APP_SERVICE_ACCOUNT="${APP_SERVICE_ACCOUNT:-demo-app}"
AUDIENCE="${AUDIENCE:-vault}"
TOKEN_TTL="${TOKEN_TTL:-1h}"
TOKEN_MAX_TTL="${TOKEN_MAX_TTL:-24h}"

response="$(mktemp)"
trap 'rm -f "$response"' EXIT

# A JSON string literal of stdin (newlines, quotes and backslashes escaped), for PEMs and policies.
json_string() {
  awk 'BEGIN { ORS = ""; print "\"" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); if (NR > 1) print "\\n"; print } END { print "\"" }'
}

# vault_api METHOD PATH [JSON] [ACCEPTED_ERROR]: fails with Vault's own error unless 2xx
# (or the response contains ACCEPTED_ERROR). Never prints the token.
vault_api() {
  local method="$1" path="$2" body="${3:-}" accepted="${4:-}"
  local args=(-sS -o "$response" -w '%{http_code}' -X "$method" -H "X-Vault-Token: ${VAULT_TOKEN}")
  [[ -n "${VAULT_NAMESPACE:-}" ]] && args+=(-H "X-Vault-Namespace: ${VAULT_NAMESPACE}")
  [[ -n "${VAULT_CACERT:-}" ]] && args+=(--cacert "${VAULT_CACERT}")
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data "$body")
  local status
  status="$(curl "${args[@]}" "${VAULT_ADDR%/}/v1/${path}")"
  if [[ "$status" == 2* ]]; then return 0; fi
  if [[ -n "$accepted" ]] && grep -q "$accepted" "$response"; then return 0; fi
  echo "vault: ${method} ${path} failed with HTTP ${status}: $(cat "$response")" >&2
  return 1
}

if [[ "$ENABLE_AUTH" == true ]]; then
  vault_api POST "sys/auth/${AUTH_MOUNT}" '{"type":"kubernetes","description":"Kubernetes service accounts (vaultlet)"}' 'path is already in use'
fi

config="{\"kubernetes_host\":\"${K8S_HOST}\""
[[ -n "$K8S_CA_FILE" ]] && config+=",\"kubernetes_ca_cert\":$(json_string < "$K8S_CA_FILE")"
[[ -n "$REVIEWER_JWT_FILE" ]] && config+=",\"token_reviewer_jwt\":$(tr -d '\n' < "$REVIEWER_JWT_FILE" | json_string)"
vault_api POST "auth/${AUTH_MOUNT}/config" "${config}}"

# Renewing and revoking its own leases and token is in Vault's default policy, which the role keeps.
policy="$(cat <<HCL
path "database/creds/demo" {
  capabilities = ["read"]
}
path "secret/data/demo/*" {
  capabilities = ["read"]
}
HCL
)"
vault_api POST "sys/policies/acl/${POLICY}" "{\"policy\":$(printf '%s' "$policy" | json_string)}"

vault_api POST "auth/${AUTH_MOUNT}/role/${ROLE}" "$(cat <<JSON
{
  "bound_service_account_names": ["${APP_SERVICE_ACCOUNT}"],
  "bound_service_account_namespaces": ["${APP_NAMESPACE}"],
  "audience": "${AUDIENCE}",
  "token_policies": ["${POLICY}"],
  "token_ttl": "${TOKEN_TTL}",
  "token_max_ttl": "${TOKEN_MAX_TTL}"
}
JSON
)"
echo "vault: role ${ROLE} (service account ${APP_NAMESPACE}/${APP_SERVICE_ACCOUNT}, audience ${AUDIENCE}) with policy ${POLICY} is ready"
