Feature: Sessions of the Vault and the Keystore
  Each service issues its own token. The Keystore returns its token in clear after SRP. The Vault
  finds the user by the exact login public key registered at POST /me and returns its token only
  encrypted to that key, with RSA-OAEP and SHA-1 as node-forge does it, so that only the holder of
  the private key (kept wrapped in the Keystore) can use it. A token works at its own service only,
  until its valid_for runs out or its user logs out; after that both services answer 401.

  Background:
    Given Alice is a registered user

  @req:SESSION-WRAP-01 @req:SESSION-WRAP-01:neg @req:SESSION-OAEP-01 @req:SESSION-OAEP-01:neg
  @req:SESSION-LOGIN-01 @req:SESSION-LOGIN-01:neg @req:USER-PEM-01 @req:USER-PEM-01:neg
  Scenario: The Vault session belongs to the login key
    When Alice logs in
    Then every Vault token Alice received opens with her login key only
    And a Vault session for a key like Alice's that nobody registered is refused with status 401

  @req:SESSION-SCOPE-01 @req:SESSION-SCOPE-01:neg
  Scenario: A token works at its own service only
    Then Alice's tokens work at their own service only

  @req:SESSION-EXPIRY-01 @req:SESSION-EXPIRY-01:neg @req:SESSION-EXPIRY-02 @req:SESSION-EXPIRY-02:neg
  Scenario: A session ends when its valid_for runs out
    When Alice opens sessions valid for 2 seconds
    Then Alice's short sessions work
    And Alice's short sessions are refused with status 401 within 3 seconds

  @req:SESSION-LOGOUT-01 @req:SESSION-LOGOUT-01:neg @req:SESSION-LOGOUT-02 @req:SESSION-LOGOUT-02:neg
  Scenario: Logging out ends both sessions
    Then Alice can read her own profile
    And Alice's key encryption key is stored wrapped with her passphrase-derived key
    When Alice logs out
    Then reading Alice's profile with her old token is refused with status 401
    And reading Alice's key encryption key with her old token is refused with status 401
