import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { before, describe, it } from 'mocha';
import forge from 'node-forge';
import { RenderError } from '../../src/errors.js';
import { renderPem } from '../../src/render/pem.js';
import { thrownBy } from './helpers.js';

interface Issued {
  certificate: string;
  issuing_ca: string;
  ca_chain: string[];
  private_key: string;
  private_key_type: string;
  serial_number: string;
}

/** A throwaway CA and a leaf it signed, shaped like the data of Vault's `pki/issue/<role>`. */
function issue(): Issued {
  const caKeys = rsaKeys();
  const leafKeys = rsaKeys();
  const ca = certificate('Throwaway CA', caKeys.publicKey, 'Throwaway CA', caKeys.privateKey, true);
  const leaf = certificate('app.example.com', leafKeys.publicKey, 'Throwaway CA', caKeys.privateKey, false);
  // Vault's PEM strings have no trailing newline.
  const strip = (pem: string) => pem.replace(/\r\n/g, '\n').trimEnd();
  return {
    certificate: strip(forge.pki.certificateToPem(leaf)),
    issuing_ca: strip(forge.pki.certificateToPem(ca)),
    ca_chain: [strip(forge.pki.certificateToPem(ca))],
    private_key: strip(forge.pki.privateKeyToPem(leafKeys.privateKey)),
    private_key_type: 'rsa',
    serial_number: '01',
  };
}

function rsaKeys(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  // node's generator is native and fast; forge only signs.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function certificate(cn: string, key: forge.pki.PublicKey, issuerCn: string, signer: forge.pki.rsa.PrivateKey, isCa: boolean) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = key;
  cert.serialNumber = isCa ? '01' : '02';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer([{ name: 'commonName', value: issuerCn }]);
  cert.setExtensions([{ name: 'basicConstraints', cA: isCa }]);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

/** Each PEM block of a file, split at END lines. */
const blocksOf = (text: string) => text.match(/-----BEGIN [^-]+-----\n[\s\S]*?-----END [^-]+-----\n/g) ?? [];

describe('render pem', () => {
  let issued: Issued;
  before(function () {
    this.timeout(20_000);
    issued = issue();
  });

  it('writes certificate then CA chain, each once, read back by node:crypto', () => {
    const text = renderPem('web', { ...issued }, ['certificate', 'issuing_ca', 'ca_chain']).toString('utf8');
    const blocks = blocksOf(text);
    assert.equal(blocks.length, 2, 'issuing_ca repeats in ca_chain and is written once');
    assert.equal(blocks.join(''), text, 'nothing but the blocks');
    assert.ok(text.endsWith('-----\n') && !text.endsWith('\n\n'), 'one trailing newline');
    const [leaf, ca] = blocks.map((block) => new X509Certificate(block));
    assert.equal(leaf!.subject, 'CN=app.example.com');
    assert.equal(ca!.subject, 'CN=Throwaway CA');
    assert.ok(leaf!.verify(ca!.publicKey), 'the leaf is signed by the CA that follows it');
    assert.ok(leaf!.checkIssued(ca!));
  });

  it('writes the private key so node:crypto loads it and it matches the certificate', () => {
    const text = renderPem('web', { ...issued }, ['private_key']).toString('utf8');
    const key = createPrivateKey(text);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.ok(new X509Certificate(issued.certificate).checkPrivateKey(key));
  });

  it('writes a combined bundle (certificate, key, chain) that each loader reads its part from', () => {
    const text = renderPem('web', { ...issued }, ['certificate', 'private_key', 'ca_chain']).toString('utf8');
    assert.deepEqual(blocksOf(text).map((b) => /BEGIN ([^-]+)-/.exec(b)![1]), ['CERTIFICATE', 'RSA PRIVATE KEY', 'CERTIFICATE']);
    assert.equal(new X509Certificate(text).subject, 'CN=app.example.com');
    const keyModulus = createPublicKey(createPrivateKey(text)).export({ format: 'jwk' }).n;
    assert.equal(keyModulus, new X509Certificate(text).publicKey.export({ format: 'jwk' }).n);
  });

  it('recognises the same block written with CRLF, other wrapping or surrounding text as a duplicate', () => {
    const ca = issued.issuing_ca;
    const body = ca.split('\n').slice(1, -1).join('');
    const rewrapped = `-----BEGIN CERTIFICATE-----\r\n${body.match(/.{1,76}/g)!.join('\r\n')}\r\n-----END CERTIFICATE-----`;
    const withText = `subject=CN = Throwaway CA\n${ca}\n\ntrailing notes`;
    const text = renderPem('web', { a: ca, b: [rewrapped, withText] }, ['a', 'b']).toString('utf8');
    assert.equal(text, `${ca}\n`);
  });

  it('keeps several blocks held in one string, in order', () => {
    const text = renderPem('web', { bundle: `${issued.certificate}\n${issued.issuing_ca}` }, ['bundle']).toString('utf8');
    assert.equal(text, `${issued.certificate}\n${issued.issuing_ca}\n`);
  });

  it('keeps RFC 1421 headers of a legacy encrypted key', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----';
    assert.equal(renderPem('old', { key }, ['key']).toString('utf8'), `${key}\n`);
  });

  const sentinel = 'sentinel-7f3a';
  const refusals: Array<[string, Record<string, unknown>, string[], RegExp]> = [
    ['a missing field', { certificate: sentinel }, ['certificat'], /field "certificat" is not in the data \(available fields: certificate\)/],
    ['a null field', { ca_chain: null, other: sentinel }, ['ca_chain'], /field "ca_chain" is not in the data/],
    ['a plain string', { certificate: sentinel }, ['certificate'], /field "certificate" is not PEM/],
    ['a number', { certificate: 7 }, ['certificate'], /field "certificate" is not PEM \(it is a number/],
    ['a list item that is not PEM', { ca_chain: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', sentinel] }, ['ca_chain'], /field "ca_chain" item 2 is not PEM/],
    ['a BEGIN without END', { certificate: `-----BEGIN CERTIFICATE-----\n${sentinel}` }, ['certificate'], /lacks its END/],
    ['a body that is not base64', { certificate: `-----BEGIN CERTIFICATE-----\n${sentinel}!\n-----END CERTIFICATE-----` }, ['certificate'], /not base64/],
    ['mismatched labels', { key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END CERTIFICATE-----' }, ['key'], /not PEM/],
    ['only empty lists', { ca_chain: [] }, ['ca_chain'], /hold no PEM blocks/],
    ['no fields', { certificate: sentinel }, [], /needs at least one field/],
  ];
  for (const [title, data, fields, expected] of refusals) {
    it(`refuses ${title}, naming secret and field but never the value`, () => {
      const error = thrownBy(RenderError, () => renderPem('web', data, fields));
      assert.match(error.message, /^secret "web": /);
      assert.match(error.message, expected);
      assert.doesNotMatch(error.message, /sentinel|AAAA/);
    });
  }
});
