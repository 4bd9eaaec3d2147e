# Compiled by vaultcheck from scenarios/sharing.hcl; edit that file, not this text.
Feature: scenarios/sharing.hcl
  Alice has a car in her Vault. She connects to Bob and shares the car: her client makes a fresh
  data encryption key for the share, re-encrypts the slots with it, and wraps the key with Bob's
  public key for the connection. Only Bob's connection private key opens it.

  Background:
    # scenarios/sharing.hcl:16
    Given Alice is a registered user
    # scenarios/sharing.hcl:18
    And Alice has a "vehicle" item "My Car" with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |

  # scenarios/sharing.hcl:29
  @smoke @guide @req:SHARE-CREATE-01 @req:SHARE-DEK-01 @req:READ-ITEM-01 @req:READ-LIST-01 @req:DELETE-SHARE-01
  Scenario: Alice shares her car with Bob and Bob reads it
    # scenarios/sharing.hcl:33
    Given Bob registers with password "supersecretpassword"
    # scenarios/sharing.hcl:37
    And Alice and Bob are connected
    # scenarios/sharing.hcl:41
    When Alice shares "My Car" with Bob
    # scenarios/sharing.hcl:45
    Then the share of "My Car" to Bob has an encrypted DEK of the form "Rsa4096.<...>.QQUAAAAA"
    And the share of "My Car" to Bob is "acceptance_not_required"
    # scenarios/sharing.hcl:50
    And Bob sees the share of "My Car" from Alice with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    # scenarios/sharing.hcl:58
    And Bob has 1 incoming share
    # scenarios/sharing.hcl:62
    And Alice has 1 outgoing share
    # scenarios/sharing.hcl:66
    When Alice deletes the share of "My Car" to Bob
    # scenarios/sharing.hcl:70
    Then the share of "My Car" to Bob is gone for Alice and Bob

  # scenarios/sharing.hcl:75
  @req:SHARE-KEY-01 @req:SHARE-DEK-01
  Scenario: The shared key opens with Bob's connection key and no other key
    # scenarios/sharing.hcl:77
    Given users Bob and Carol are registered
    # scenarios/sharing.hcl:79
    And Alice and Bob are connected
    And Alice and Carol are connected
    # scenarios/sharing.hcl:83
    When Alice shares "My Car" with Bob
    # scenarios/sharing.hcl:87
    Then the encrypted DEK of the share of "My Car" to Bob opens with Bob's connection key only
    And the slot values of the share of "My Car" to Bob decrypt with the share's key only

  # scenarios/sharing.hcl:94
  @req:SHARE-SLOT-01
  Scenario: Sharing one slot shares nothing else
    # scenarios/sharing.hcl:96
    Given Bob is a registered user
    # scenarios/sharing.hcl:97
    And Alice and Bob are connected
    # scenarios/sharing.hcl:101
    When Alice shares slot "vin" of "My Car" with Bob
    # scenarios/sharing.hcl:106
    Then Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    And Bob's copy of "My Car" holds no value for slots "model_make" and "licence_plate"

  # scenarios/sharing.hcl:113
  @req:SHARE-VERIFY-02 @req:CRYPPO-HMAC-01 @req:CRYPPO-HMAC-01:neg
  Scenario: Every shared value carries a verification hash that Bob checks
    # scenarios/sharing.hcl:115
    Given Bob is a registered user
    # scenarios/sharing.hcl:116
    And Alice and Bob are connected
    # scenarios/sharing.hcl:120
    When Alice shares "My Car" with Bob
    # scenarios/sharing.hcl:124
    Then every slot of the share of "My Car" to Bob has a value verification hash that verifies
    And a tampered copy of the share of "My Car" to Bob is rejected
