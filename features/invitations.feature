Feature: Invitations
  A connection starts with an invitation: the inviter publishes a public key and gets a token that
  she passes to the invitee out of band. The token connects once, and only someone other than its
  sender: after it was used, after it expired (expires_in) or after the inviter withdrew it, the
  Vault refuses it. The invitations here pass the users' login keypairs by id, as the SDK allows,
  instead of making a keypair each.

  Background:
    Given users Alice and Bob are registered

  @req:INV-TOKEN-01 @req:INV-TOKEN-01:neg @req:INV-SELF-01 @req:INV-SELF-01:neg @req:INV-EXPIRY-01
  @req:INV-VIEW-01 @req:INV-VIEW-01:neg
  Scenario: An invitation connects its invitee once
    Given Carol is a registered user
    When Alice invites Bob to connect as "Bob", valid for 1 day
    Then only Alice sees the id of her invitation to Bob
    When Alice uses Alice's invitation to Bob
    Then the request is refused
    When Bob accepts Alice's invitation as "Alice"
    Then Alice and Bob are connected
    When Carol uses Alice's invitation to Bob
    Then the request is refused
    And Carol has 0 connections
    And Alice has 1 connection

  @req:INV-EXPIRY-01:neg @req:INV-DELETE-01 @req:INV-DELETE-01:neg
  Scenario: An expired or withdrawn invitation connects nobody
    When Alice invites Bob to connect as "Bob", valid for 1 second
    And Bob uses Alice's invitation to Bob after it expired
    Then the request is refused
    When Alice invites Bob to connect as "Bob", valid for 1 day
    And Alice withdraws her invitation to Bob
    And Bob uses Alice's invitation to Bob
    Then the request is refused
    And Bob has 0 connections
