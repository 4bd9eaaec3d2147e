Feature: Users and their key hierarchy
  A Meeco user holds a password and a secret key ("1.<username>.<base58 groups>"). From the two the
  client derives, with PBKDF2-HMAC-SHA256 and 100 000 iterations, a passphrase-derived key (salt: the
  secret key) and an SRP password (salt: the secret key reversed). The passphrase-derived key wraps a
  random key encryption key (KEK), which the Keystore stores; the KEK wraps the user's data encryption
  key (DEK) and the private half of every RSA-4096 keypair. The Keystore learns none of the keys: it
  proves the password with SRP-6a and returns a session token; the Vault returns its own token
  encrypted to the user's login public key. A Vault user is made once per admission token the
  Keystore issues, and its profile keeps the id of the user's DEK.

  @req:USER-SECRET-01 @req:KEYS-DERIVE-01 @req:KEYS-KEK-01 @req:KEYS-DEK-01 @req:KEYS-KEYPAIR-01
  @req:KEYS-AUTHKP-01 @req:USER-ME-01 @req:USER-ME-02 @req:USER-PEM-01 @req:SRP-REGISTER-01
  @req:SRP-USERNAME-01 @req:CRYPPO-PEM-01
  Scenario: Registering creates the whole key hierarchy
    When Alice registers with password "supersecretpassword"
    Then Alice's secret key is well formed
    And Alice's key encryption key is stored wrapped with her passphrase-derived key
    And Alice's data encryption key is stored wrapped with her key encryption key
    And Alice's login keypair is an RSA-4096 key with public exponent 65537
    And Alice's login keypair is stored with its private key wrapped with her key encryption key
    And the public keys Alice sent are PEM as node-forge writes them
    And Alice can read her own profile

  @req:KEYS-DERIVE-01 @req:USER-PEM-01 @req:USER-ME-02 @req:USER-ME-02:neg @req:SRP-SALT-01 @req:SRP-PROOF-01
  @req:SESSION-LOGIN-01
  Scenario: Logging in again recovers the same keys
    Given Alice is a registered user
    When Alice changes her profile's full name
    Then Alice's profile still names her data encryption key
    When Alice logs in
    Then Alice is logged in with the keys she registered
    And Alice can read her own profile

  @req:SRP-PROOF-01:neg @req:KEYS-DERIVE-01:neg @req:USER-SECRET-01:neg @req:ERR-STATUS-01
  @req:ERR-SHAPE-01 @req:ERR-LEAK-01:neg
  Scenario: A wrong password or secret key is refused
    Given Alice is a registered user
    When Alice logs in with the wrong password "not-her-password"
    Then the request is refused with status 401
    When Alice logs in with another secret key
    Then the request is refused with status 401
    And Alice's secret key, altered out of shape, is refused by the client
    And every refusal in this scenario is a Meeco error body that quotes nothing the request carried

  @req:USER-ME-01 @req:USER-ME-01:neg
  Scenario: An admission token makes one Vault user
    Given Alice is a registered user
    Then Alice's used admission token is refused with status 401
    And an admission token the Keystore never issued is refused with status 401

  @req:KEYS-KEK-01:neg @req:KEYS-DEK-01:neg @req:KEYS-KEYPAIR-01:neg
  Scenario: Two users never share a key
    Given users Alice and Bob are registered
    Then Alice and Bob have different keys at every level of the hierarchy
    And Alice's wrapped keys open with none of Bob's keys
    And Bob's wrapped keys open with none of Alice's keys
