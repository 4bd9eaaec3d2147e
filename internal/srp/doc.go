// Package srp is SRP-6a exactly as the JavaScript library jsrp 0.2.4 does it
// with `length: 2048`, which is what the Meeco SDK and Keystore speak.
//
// The scheme in plain words: at registration the client picks a random
// 32-byte salt and sends the Keystore a verifier v = g^x mod N, where
// x = H(salt ‖ H(I ‖ ":" ‖ P)). To log in, the client sends A = g^a mod N;
// the server answers with the salt and B = (k·v + g^b) mod N; both sides
// hash u = H(A ‖ B) and arrive at the same S, the client as
// (B − k·g^x)^(a + u·x) and the server as (A·v^u)^b. K = H(PAD(S)) is the
// session key, the client proves it knows K with M1 = H(A ‖ B ‖ K) and the
// server may answer with M2 = H(A ‖ M1 ‖ K).
//
// The group is the RFC 5054 2048-bit prime with g = 2, H is SHA-256 and
// k = H(PAD(N) ‖ PAD(g)). PAD means big-endian, left-padded with zeros to
// 256 bytes. Where jsrp departs from RFC 5054 this package follows jsrp,
// because byte compatibility with the SDK is the point:
//
//   - M1 is jsrp's H(A ‖ B ‖ K), not RFC 2945's H(H(N)⊕H(g) ‖ H(I) ‖ s ‖ A ‖ B ‖ K).
//   - u, M1 and M2 hash A and B as the byte strings that crossed the wire
//     (hex-decoded), not re-padded integers. Honest peers always send them
//     padded to 256 bytes; a peer that sent a shorter value is hashed as sent.
//   - I and P are raw bytes: jsrp hashes Buffer.from(string), i.e. UTF-8.
//     Meeco's P is itself the UTF-8 of a Latin-1 string (see vaultkeys).
//
// Beyond jsrp, both sides reject a public value ≡ 0 (mod N), u = 0, and
// public values longer than 256 bytes, and compare proofs in constant time.
// The modular exponentiations use math/big, which is not constant time; that
// is acceptable for a conformance harness and its in-process fake server, not
// for a production server.
//
// Wire values are lowercase hex. Client and Server keep only the secrets
// they still need (the client H(I ‖ ":" ‖ P), a and K; the server the
// expected proofs and K; neither keeps b, S or the password) and never print
// them: every fmt verb shows a redacted summary, and the secrets sit behind a
// function value so even a Client or Server inside someone else's
// unexported struct field prints no key material.
package srp
