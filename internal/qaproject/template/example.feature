# An example to start from: replace it with your own features. Every step is a
# phrase of vaultcheck's step catalog (vaultcheck steps --search WORDS finds
# them); the editor completes them once the Cucumber extension is installed.
Feature: Sharing a car with a friend
  Alice keeps her car's details in her Vault and shares them with Bob. Her client
  wraps a fresh key for the share with Bob's connection key, so that only Bob
  can read what she shared, and the Vault never sees a value in the clear.

  Background:
    Given users Alice and Bob are registered
    And Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 5YJ3E1EA7KF317000 |

  Scenario: Bob reads the car Alice shared with him
    When Alice shares "My Car" with Bob
    Then Bob sees the share of "My Car" from Alice with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 5YJ3E1EA7KF317000 |
    And the encrypted DEK of the share of "My Car" to Bob opens with Bob's connection key only
    And the Vault holds no plaintext of "My Car"
