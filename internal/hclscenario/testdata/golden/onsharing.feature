# Compiled by vaultcheck from scenarios/onsharing.hcl; edit that file, not this text.
Feature: scenarios/onsharing.hcl
  The owner of an item may allow its recipient to share it on. Bob re-encrypts the values he holds
  under a fresh key for Jane; the Vault records Alice as owner and Bob as sender, and refuses an
  on-share of an on-share.

  Background:
    # scenarios/onsharing.hcl:9
    Given users Alice, Bob and Jane are registered
    # scenarios/onsharing.hcl:13
    And Alice and Bob are connected
    # scenarios/onsharing.hcl:17
    And Bob and Jane are connected
    # scenarios/onsharing.hcl:22
    And Alice has a "vehicle" item "My Car" with:
      | slot          | value             |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |

  # scenarios/onsharing.hcl:32
  @req:ONSHARE-PERMIT-01 @req:SHARE-VERIFY-02
  Scenario: Alice allows on-sharing, Bob shares the car with Jane
    # scenarios/onsharing.hcl:34
    When Alice shares "My Car" with Bob allowing on-sharing
    # scenarios/onsharing.hcl:39
    And Bob shares the "My Car" he received from Alice with Jane
    # scenarios/onsharing.hcl:43
    Then Jane sees the share of "My Car" from Bob with:
      | slot          | value             |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    And the share of "My Car" to Jane has owner Alice and sender Bob
    And every slot of the share of "My Car" to Jane has a value verification hash that verifies

  # scenarios/onsharing.hcl:54
  @req:ONSHARE-PERMIT-01:neg
  Scenario: Without permission Bob cannot share it on
    # scenarios/onsharing.hcl:56
    When Alice shares "My Car" with Bob
    # scenarios/onsharing.hcl:60
    And Bob shares the "My Car" he received from Alice with Jane
    Then the request is refused

  # scenarios/onsharing.hcl:67
  @req:ONSHARE-DEPTH-01:neg
  Scenario: Jane cannot share it further
    # scenarios/onsharing.hcl:69
    Given Jane and Alice are connected
    # scenarios/onsharing.hcl:73
    When Alice shares "My Car" with Bob allowing on-sharing
    # scenarios/onsharing.hcl:78
    And Bob shares the "My Car" he received from Alice with Jane
    # scenarios/onsharing.hcl:82
    And Jane shares the "My Car" she received from Bob with Alice
    Then the request is refused
