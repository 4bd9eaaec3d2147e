Feature: Keys in the Keystore
  The Keystore holds every user's keys, wrapped: one key encryption key (KEK) under the
  passphrase-derived key, and under the KEK the data encryption keys (DEKs) and the private half of
  every keypair. Wrapped or not, they are nobody else's: another user's DEK and keypairs answer 404
  by id, and the routes that name no id (the KEK, the keypair with external id "auth") answer with
  the caller's own. What a user stored comes back byte for byte, each key under its own id, and a
  KEK, once stored, is never replaced, since every other key of the user is wrapped with it.

  @req:KS-ACCESS-01 @req:KS-ACCESS-01:neg @req:KS-ACCESS-02 @req:KS-ACCESS-02:neg
  @req:KS-ACCESS-03 @req:KS-ACCESS-03:neg @req:KS-ACCESS-04 @req:KS-ACCESS-04:neg
  @req:KEYS-AUTHKP-01 @req:KEYS-AUTHKP-01:neg @req:ERR-STATUS-01:neg @req:ERR-SHAPE-01 @req:ERR-SHAPE-01:neg
  Scenario: Nobody reads another user's keys
    Given users Alice and Bob are registered
    Then Bob cannot read Alice's keys in the Keystore
    And Alice cannot read Bob's keys in the Keystore
    And Alice's requests with a body that is not JSON are refused with status 400 and a Meeco error body
    And every refusal in this scenario is a Meeco error body that quotes nothing the request carried

  @req:KS-STORE-01 @req:KS-STORE-01:neg @req:KS-KEK-01 @req:KS-KEK-01:neg @req:KEYS-DEK-01
  @req:CRYPPO-VERBATIM-01
  Scenario: Stored keys stay as they were stored
    Given Alice is a registered user
    When Alice stores another data encryption key
    Then the Keystore returns every key Alice stored byte for byte
    And Alice cannot replace her key encryption key
    When Alice logs in
    Then Alice is logged in with the keys she registered
