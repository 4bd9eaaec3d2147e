Feature: Deleting items and shares
  Deleting must take everything that hangs on what is deleted, or a recipient keeps reading what
  is gone. When Alice deletes her car, every share of it goes, the on-share Bob made to Jane
  included, and every recipient's copy with it. When Bob deletes the car he received, the share
  that delivered it goes too. When Alice deletes her share to Bob, the on-share Bob made from it
  goes with it.

  Background:
    Given users Alice, Bob and Jane are registered
    And Alice and Bob are connected
    And Bob and Jane are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    And Alice shares "My Car" with Bob allowing on-sharing
    And Bob shares the "My Car" he received from Alice with Jane

  @req:DELETE-ITEM-01 @req:DELETE-ITEM-01:neg
  Scenario: Deleting an item deletes every share and every copy of it
    When Alice deletes her item "My Car"
    Then the share of "My Car" to Bob is gone for Alice and Bob
    And the share of "My Car" to Jane is gone for Bob and Jane

  @req:DELETE-ITEM-02 @req:DELETE-ITEM-02:neg
  Scenario: Deleting a received item deletes the share that delivered it
    When Bob deletes the "My Car" he received from Alice
    Then the share of "My Car" to Bob is gone for Alice and Bob

  @req:DELETE-CASCADE-01
  Scenario: Deleting a share deletes the on-shares made from it
    When Alice deletes the share of "My Car" to Bob
    Then the share of "My Car" to Bob is gone for Alice and Bob
    And the share of "My Car" to Jane is gone for Bob and Jane
