Feature: Users and their key hierarchy
  A Meeco user holds a password and a secret key ("1.<username>.<base58 groups>"). From the two the
  client derives, with PBKDF2-HMAC-SHA256 and 100 000 iterations, a passphrase-derived key (salt: the
  secret key) and an SRP password (salt: the secret key reversed). The passphrase-derived key wraps a
  random key encryption key (KEK), which the Keystore stores; the KEK wraps the user's data encryption
  key (DEK) and the private half of every RSA-4096 keypair. The Keystore learns none of the keys: it
  proves the password with SRP-6a and returns a session token; the Vault returns its own token
  encrypted to the user's login public key.

  Scenario: Registering creates the whole key hierarchy
    When Alice registers with password "supersecretpassword"
    Then Alice's secret key is well formed
    And Alice's key encryption key is stored wrapped with her passphrase-derived key
    And Alice's data encryption key is stored wrapped with her key encryption key
    And Alice's login keypair is an RSA-4096 key with public exponent 65537
    And Alice's login keypair is stored with its private key wrapped with her key encryption key
    And the public keys Alice sent are PEM as node-forge writes them
    And Alice can read her own profile

  Scenario: Logging in again recovers the same keys
    Given Alice is a registered user
    When Alice logs in
    Then Alice is logged in with the keys she registered
    And Alice can read her own profile

  Scenario: A wrong password is refused by SRP
    Given Alice is a registered user
    When Alice logs in with the wrong password "not-her-password"
    Then the request is refused with status 401

  Scenario: Two users never share a key
    Given users Alice and Bob are registered
    Then Alice and Bob have different keys at every level of the hierarchy
