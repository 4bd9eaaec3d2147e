# Compiled by vaultcheck from scenarios/guests.hcl; edit that file, not this text.
Feature: scenarios/guests.hcl

  # scenarios/guests.hcl:6
  @count @req:SHARE-SLOT-01 @req:DELETE-SHARE-02 @req:READ-LIST-01
  Scenario: Alice shares her car with three guests, one slot each
    # scenarios/guests.hcl:10
    Given users Alice, Guest1, Guest2 and Guest3 are registered
    # scenarios/guests.hcl:13
    And Alice has a "vehicle" item "My Car" with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    # scenarios/guests.hcl:23
    And Alice and Guest1 are connected
    And Alice and Guest2 are connected
    And Alice and Guest3 are connected
    # scenarios/guests.hcl:27
    When Alice shares slot "licence_plate" of "My Car" with Guest1
    And Alice shares slot "licence_plate" of "My Car" with Guest2
    And Alice shares slot "licence_plate" of "My Car" with Guest3
    # scenarios/guests.hcl:32
    Then Guest1 sees the share of "My Car" from Alice with:
      | slot          | value   |
      | licence_plate | ABC-123 |
    And Guest2 sees the share of "My Car" from Alice with:
      | slot          | value   |
      | licence_plate | ABC-123 |
    And Guest3 sees the share of "My Car" from Alice with:
      | slot          | value   |
      | licence_plate | ABC-123 |
    And Guest1's copy of "My Car" holds no value for slots "model_make" and "vin"
    And Guest2's copy of "My Car" holds no value for slots "model_make" and "vin"
    And Guest3's copy of "My Car" holds no value for slots "model_make" and "vin"
    # scenarios/guests.hcl:37
    And Guest1 has 1 incoming share
    And Guest2 has 1 incoming share
    And Guest3 has 1 incoming share
    # scenarios/guests.hcl:41
    When Guest1 deletes the share of "My Car" to Guest1
    # scenarios/guests.hcl:45
    Then the share of "My Car" to Guest1 is gone for Alice and Guest1
    # scenarios/guests.hcl:49
    And Guest2 sees the share of "My Car" from Alice with:
      | slot          | value   |
      | licence_plate | ABC-123 |
    And Guest3 sees the share of "My Car" from Alice with:
      | slot          | value   |
      | licence_plate | ABC-123 |
    # scenarios/guests.hcl:54
    And Alice has 2 outgoing shares
