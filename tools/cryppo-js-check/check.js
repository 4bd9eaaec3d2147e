// Checks a meeco-crypto.json-schema vector file with Meeco's own libraries
// (@meeco/cryppo 2.0.2 and its node-forge, jsrp 0.2.4), so that vaultcheck's
// output is judged by the implementation it must interoperate with, not by
// itself. Usage: npm install && node check.js FILE
'use strict';
const fs = require('fs');
const cryppo = require('@meeco/cryppo');
const forge = require('node-forge');
const jsrp = require('jsrp');

const file = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const b64 = (s) => Buffer.from(cryppo.decodeSafe64(s), 'binary');
const same = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

const checks = {
  async aes256gcm(c) {
    const pt = await cryppo.decryptWithKey({ serialized: c.serialized, key: cryppo.EncryptionKey.fromSerialized(c.key_b64url) });
    if (!same(pt, b64(c.plaintext_b64url))) throw new Error('plaintext differs');
  },
  async aes256gcm_binary(c) { return checks.aes256gcm(c); },
  async aes256gcm_legacy_yaml(c) { return checks.aes256gcm(c); },
  async rsa4096_oaep(c) {
    const pt = await cryppo.decryptSerializedWithPrivateKey({ privateKeyPem: c.private_key_pem, serialized: c.serialized });
    if (!same(Buffer.from(pt, 'binary'), b64(c.plaintext_b64url))) throw new Error('plaintext differs');
    const priv = forge.pki.privateKeyFromPem(c.private_key_pem);
    if (forge.pki.privateKeyToPem(priv) !== c.private_key_pem) throw new Error('forge writes the private PEM differently');
    if (forge.pki.publicKeyToPem(forge.pki.setRsaPublicKey(priv.n, priv.e)) !== c.public_key_pem) throw new Error('forge writes the public PEM differently');
  },
  async pbkdf2(c) {
    const salt = b64(c.salt_b64url).toString('binary');
    const key = forge.pkcs5.pbkdf2(forge.util.encodeUtf8(c.passphrase_utf8), salt, c.iterations, c.length, forge.md.sha256.create());
    if (!same(Buffer.from(key, 'binary'), b64(c.key_b64url))) throw new Error('derived key differs');
    const d = cryppo.deSerializeDerivedKeyOptions(c.derivation_serialized);
    const a = d.serializationArtifacts;
    const iv = Buffer.isBuffer(a.iv) ? a.iv : Buffer.from(a.iv.buffer);
    if (d.derivationStrategy !== 'Pbkdf2Hmac' || a.i !== c.iterations || a.l !== c.length || !same(iv, b64(c.salt_b64url))) {
      throw new Error('derivation artifacts differ');
    }
  },
  async passphrase_encrypted(c) {
    const pt = await cryppo.decryptWithKeyDerivedFromString({ serialized: c.serialized, passphrase: c.passphrase });
    if (cryppo.bytesToUtf8(pt) !== c.plaintext_utf8) throw new Error('plaintext differs');
  },
  async hmac_sha256(c) {
    const hex = cryppo.hmacSha256Digest(cryppo.bytesToBinaryString(b64(c.key_b64url)), c.message);
    if (hex !== c.hex) throw new Error('hmac differs');
  },
  async meeco_secret(c) {
    // The SDK's derivations: PBKDF2-SHA256 of the UTF-8 password, salted
    // with the secret key's characters (reversed for SRP), 100000 x 32.
    const key = c.secret.split('.')[2].replace(/-/g, '');
    const derive = (salt) => Buffer.from(forge.pkcs5.pbkdf2(forge.util.encodeUtf8(c.password), salt, 100000, 32, forge.md.sha256.create()), 'binary');
    if (!same(derive(key), b64(c.pdk_b64url))) throw new Error('PDK differs');
    const srp = derive(key.split('').reverse().join(''));
    if (!same(srp, b64(c.srp_derived_b64url))) throw new Error('SRP key differs');
    if (Buffer.from(srp.toString('binary'), 'utf8').toString('hex') !== c.srp_password_hex) throw new Error('SRP password bytes differ');
  },
  async srp(c) {
    const password = Buffer.from(c.password_hex, 'hex');
    const client = new jsrp.client();
    await new Promise((ok) => client.debugInit({ username: c.username, password, length: 2048, a: Buffer.from(c.a_hex, 'hex') }, ok));
    const server = new jsrp.server();
    await new Promise((ok) => server.init({ salt: c.salt_hex, verifier: c.verifier_hex, length: 2048, b: c.b_hex }, ok));
    if (client.getPublicKey() !== c.A_hex) throw new Error('A differs');
    if (server.getPublicKey() !== c.B_hex) throw new Error('B differs');
    client.setSalt(c.salt_hex);
    client.setServerPublicKey(c.B_hex);
    server.setClientPublicKey(c.A_hex);
    if (client.getProof() !== c.M1_hex) throw new Error('M1 differs');
    if (!server.checkClientProof(c.M1_hex)) throw new Error('server refuses M1');
    if (client.getSharedKey() !== c.K_hex || server.getSharedKey() !== c.K_hex) throw new Error('K differs');
    if (!client.checkServerProof(server.getProof())) throw new Error('M2 refused');
    if (server.getProof() !== c.M2_hex) throw new Error('M2 differs');
    const v = new jsrp.client();
    await new Promise((ok) => v.init({ username: c.username, password, length: 2048 }, ok));
    v.saltBuf = Buffer.from(c.salt_hex, 'hex');
    if (v.srp.v({ I: v.IBuf, P: v.PBuf, salt: v.saltBuf }).toString('hex') !== c.verifier_hex) throw new Error('verifier differs');
  },
  async sign_rsa4096(c) {
    const sig = cryppo.loadRsaSignature(c.serialized);
    if (!cryppo.verifyWithPublicKey(c.public_key_pem, sig)) throw new Error('signature does not verify');
    if (!same(Buffer.from(sig.data), b64(c.data_b64url))) throw new Error('signed data differs');
  },
  async pem_format(c) {
    const priv = forge.pki.privateKeyFromPem(c.private_key_pem);
    if (forge.pki.privateKeyToPem(priv) !== c.private_key_pem) throw new Error('private PEM differs from forge');
    if (forge.pki.publicKeyToPem(forge.pki.setRsaPublicKey(priv.n, priv.e)) !== c.public_key_pem) throw new Error('public PEM differs from forge');
  },
};

(async () => {
  let passed = 0, failed = 0;
  for (const [group, cases] of Object.entries(file.cases)) {
    let ok = 0;
    for (const [i, c] of cases.entries()) {
      try {
        await checks[group](c);
        ok++;
      } catch (e) {
        console.log(`  FAIL ${group}[${i}] (${c.note}): ${e.message}`);
      }
    }
    console.log(`${group}: ${ok}/${cases.length}`);
    passed += ok; failed += cases.length - ok;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
