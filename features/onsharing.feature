Feature: On-sharing a received item
  The owner of an item may allow its recipient to share it on. Bob, who received Alice's car with
  on-sharing permitted, re-encrypts the values he holds under a fresh key for Jane; he cannot vouch
  for the values himself, so he sends no new verification hash and Jane checks the owner's. The Vault
  records Alice as owner and Bob as sender, and refuses an on-share of an on-share.

  Background:
    Given users Alice, Bob and Jane are registered
    And Alice and Bob are connected
    And Bob and Jane are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot          | value             |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |

  Scenario: Alice allows on-sharing, Bob shares the car with Jane
    Given Alice shares "My Car" with Bob allowing on-sharing
    When Bob shares the "My Car" he received from Alice with Jane
    Then Jane sees the share of "My Car" from Bob with:
      | slot          | value             |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    And the share of "My Car" to Jane has owner Alice and sender Bob
    And every slot of the share of "My Car" to Jane has a value verification hash that verifies

  Scenario: Without permission Bob cannot share it on
    Given Alice shares "My Car" with Bob
    When Bob shares the "My Car" he received from Alice with Jane
    Then the request is refused

  Scenario: Jane cannot share it further
    Given Jane and Alice are connected
    And Alice shares "My Car" with Bob allowing on-sharing
    And Bob shares the "My Car" he received from Alice with Jane
    When Jane shares the "My Car" she received from Bob with Alice
    Then the request is refused
