Feature: A small suite for the tests of certification
  The tests restrict the profiles to the requirements these scenarios name, so that a certification
  can pass, fail, and meet known failures in a few seconds. Each tag names the requirement its
  scenario really checks.

  @req:ITEM-VALUE-01
  Scenario: Alice stores her car and reads it back
    Given Alice is a registered user
    When Alice creates a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    Then Alice sees her item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |

  @req:CONN-EXISTS-01
  Scenario: Connecting twice returns the existing connection
    Given users Alice and Bob are registered
    And Alice and Bob are connected
    When Alice and Bob connect again
    Then the Vault reports that the connection existed already

  Scenario: The shared key opens with Bob's connection key and no other key
    Given users Alice, Bob and Carol are registered
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    And Alice and Bob are connected
    And Alice and Carol are connected
    When Alice shares "My Car" with Bob
    Then the encrypted DEK of the share of "My Car" to Bob opens with Bob's connection key only
    And Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |

  @req:ONSHARE-PERMIT-01:neg
  Scenario: Without permission Bob cannot share it on
    Given users Alice, Bob and Jane are registered
    And Alice and Bob are connected
    And Bob and Jane are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    And Alice shares "My Car" with Bob
    When Bob shares the "My Car" he received from Alice with Jane
    Then the request is refused
