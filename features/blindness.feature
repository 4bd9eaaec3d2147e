Feature: The services never see a secret in clear
  End-to-end encryption means the Vault and the Keystore hold only ciphertext, public keys and
  wrapped keys. Every scenario of the suite checks this when it ends: each of its passwords, secret
  keys, raw keys (passphrase-derived key, KEK, DEKs, share keys), private keys, session tokens and
  slot values is a canary, looked for in every request its users sent and, against the built-in
  fake Vault, in the fake's store and log. These scenarios check it where the most secrets are
  about, and that the services refuse what a leaking client sends them.

  Background:
    Given users Alice and Bob are registered
    And Alice has a "vehicle" item "My Car" with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 5YJ3E1EA7KF317000 |

  @req:BLIND-PLAIN-01 @req:BLIND-KEYS-01 @req:BLIND-LOG-01
  Scenario: Sharing and re-keying leave no secret in clear
    Given Alice and Bob are connected
    When Alice shares "My Car" with Bob
    And Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    And Alice updates the shares of "My Car"
    Then Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 1HGCM82633A004352 |
    And no secret of this scenario is found in clear outside the client

  @req:BLIND-PLAIN-01:neg
  Scenario: The Vault refuses a slot value in clear
    When Alice sends the value of slot "vin" of "My Car" in clear
    Then the request is refused with status 400
    And no secret of this scenario is found in clear outside the client

  @req:BLIND-KEYS-01:neg
  Scenario: The Keystore refuses a data encryption key in clear
    When Alice stores a data encryption key in clear
    Then the request is refused
    And no secret of this scenario is found in clear outside the client
