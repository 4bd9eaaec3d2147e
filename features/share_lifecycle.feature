Feature: The life of a share
  A share can ask its recipient to accept terms first. While it waits, the Vault hides the share's
  encrypted key, so the recipient cannot read it; accepting reveals the key. A share can also carry
  an expiry date, which both sides read back as the instant it was given; a share made without terms
  or expiry carries neither. Only the recipient can accept. Shares appear in the
  sender's outgoing and the recipient's incoming lists, and either side can delete a share, which
  removes the recipient's copy too. When the owner changes a shared item, the Vault queues a task
  asking her to re-key her shares: one new DEK for all of them, the slots re-encrypted with it.

  Background:
    Given users Alice and Bob are registered
    And Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 5YJ3E1EA7KF317000 |

  @req:ACCEPT-DEK-01 @req:ACCEPT-DEK-01:neg @req:ACCEPT-STATE-01 @req:ACCEPT-TERMS-01 @req:SHARE-DEK-01:neg
  Scenario: A share with terms waits for acceptance
    When Alice shares "My Car" with Bob with terms "Use only to insure the car"
    Then the share of "My Car" to Bob is "acceptance_required"
    And Bob cannot read the share of "My Car" before accepting it
    When Bob accepts the share of "My Car" from Alice
    Then Bob was shown the terms "Use only to insure the car"
    And the share of "My Car" to Bob is "accepted"
    And Bob sees the share of "My Car" from Alice with:
      | slot       | value         |
      | model_make | Tesla Model 3 |

  @req:ACCEPT-STATE-01:neg
  Scenario: Only the recipient can accept a share
    When Alice shares "My Car" with Bob with terms "Use only to insure the car"
    Then Alice cannot accept the share of "My Car" to Bob
    And the share of "My Car" to Bob is "acceptance_required"

  @req:ACCEPT-TERMS-01:neg @req:SHARE-EXPIRY-03:neg
  Scenario: A share made without terms or expiry date carries neither
    When Alice shares "My Car" with Bob
    Then the share of "My Car" to Bob has no terms
    And the share of "My Car" to Bob has no expiry date
    And the share of "My Car" to Bob is "acceptance_not_required"

  @req:SHARE-EXPIRY-01 @req:SHARE-EXPIRY-02 @req:SHARE-EXPIRY-03
  Scenario: A share can expire
    When Alice shares "My Car" with Bob until "2099-12-31"
    Then the share of "My Car" to Bob expires at "2099-12-31"
    And Bob sees the share of "My Car" from Alice with:
      | slot       | value         |
      | model_make | Tesla Model 3 |
    And Bob has 1 incoming share

  @req:DELETE-SHARE-01 @req:DELETE-SHARE-02
  Scenario Outline: Either side can delete the share (<who> deletes)
    Given Alice shares "My Car" with Bob
    When <who> deletes the share of "My Car" to Bob
    Then the share of "My Car" to Bob is gone for Alice and Bob
    And Alice sees her item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |

    Examples:
      | who   |
      | Alice |
      | Bob   |

  @req:READ-LIST-01 @req:READ-LIST-01:neg
  Scenario: Lists in both directions
    Given Jane is a registered user
    And Alice and Jane are connected
    And Alice has a "vehicle" item "Her Van" with:
      | slot       | value      |
      | model_make | VW Crafter |
    When Alice shares "My Car" with Bob
    And Alice shares "Her Van" with Bob
    And Alice shares "My Car" with Jane
    Then Alice has 3 outgoing shares
    And Bob has 2 incoming shares
    And Jane has 1 incoming share
    And Bob has 0 outgoing shares

  @req:REKEY-PUT-01 @req:REKEY-PUT-01:neg @req:REKEY-OWNER-01 @req:TASK-QUEUE-01 @req:TASK-QUEUE-01:neg @req:TASK-UPDATE-01
  Scenario: Changing a shared item and re-keying its shares
    Given Alice shares "My Car" with Bob
    When Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    Then Alice has a task to update the shares of "My Car"
    And Bob has no task to update the shares of "My Car"
    When Alice updates the shares of "My Car"
    Then the share of "My Car" to Bob has a new encrypted DEK
    And Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 1HGCM82633A004352 |
    And Alice's task to update the shares of "My Car" is "done"

  @req:SHARE-TWICE-01 @req:SHARE-TWICE-01:neg
  Scenario: Sharing the same item twice with one recipient keeps one copy
    When Alice shares "My Car" with Bob
    And Alice shares slot "vin" of "My Car" with Bob again
    Then Bob has 2 incoming shares
    And Bob has 1 item received from Alice
