Feature: Connections by invitation
  Before anything can be shared, two users connect. The inviter makes a new RSA-4096 keypair for the
  connection, stores it in her Keystore wrapped with her KEK, and publishes an invitation carrying the
  public key and the Keystore id of the keypair. The invitee makes a keypair of his own and creates
  the connection with the invitation token. The Vault then holds two connection records: each side's
  "own" part carries that side's public key and the name it gave the other (encrypted with its own
  DEK), and "the_other_user" carries the peer's public key and keypair id, byte for byte as posted.
  Each side reads only its own record, and a connection deleted by either side is gone for both.

  Background:
    Given users Alice and Bob are registered

  @req:CONN-CREATE-01 @req:CONN-CREATE-01:neg @req:CONN-PEM-01 @req:CONN-PEM-01:neg
  @req:CONN-ACCESS-01 @req:CONN-ACCESS-01:neg @req:CRYPPO-PEM-01
  Scenario: Alice invites Bob and Bob accepts
    When Alice invites Bob to connect as "Bob"
    And Bob accepts Alice's invitation as "Alice"
    Then Alice and Bob are connected
    And Alice sees Bob's connection public key and Bob sees Alice's
    And each side of the connection between Alice and Bob has its own keypair
    And Alice's name for the connection to Bob decrypts to "Bob"
    And Bob's name for the connection to Alice decrypts to "Alice"
    And Bob cannot read Alice's record of the connection to Bob
    And Alice cannot read Bob's record of the connection to Alice

  @req:CONN-EXISTS-01 @req:CONN-EXISTS-01:neg
  Scenario: Connecting twice returns the existing connection
    Given Alice and Bob are connected
    When Alice and Bob connect again
    Then the Vault reports that the connection existed already
    And Alice has 1 connection

  @req:CONN-DELETE-01 @req:CONN-DELETE-01:neg
  Scenario: Either side can delete the connection, for both
    Given Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    When Bob deletes his connection to Alice
    Then Bob has 0 connections
    And Alice has 0 connections
    When Alice shares "My Car" with Bob
    Then the request is refused
