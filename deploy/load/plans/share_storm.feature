Feature: Share storm
  Sharing under load: the users, their connection and the item are set up
  once per VU (the Given steps); each iteration shares, reads, verifies and
  deletes.

  Scenario: Alice shares her car with Bob again and again
    Given Alice is a registered user
    And Bob is a registered user
    And Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    When Alice shares "My Car" with Bob
    Then Bob sees the share of "My Car" from Alice with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    And every slot of the share of "My Car" to Bob has a value verification hash that verifies
    When Alice deletes the share of "My Car" to Bob
    Then the share of "My Car" to Bob is gone for Alice and Bob
