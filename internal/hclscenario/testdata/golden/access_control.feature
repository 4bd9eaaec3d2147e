# Compiled by vaultcheck from scenarios/access_control.hcl; edit that file, not this text.
Feature: scenarios/access_control.hcl
  A Vault must never let a user read or change what is not theirs. Carol has no connection to Alice
  or Bob: she must not see Alice's item or the share to Bob.

  Background:
    # scenarios/access_control.hcl:10
    Given users Alice, Bob and Carol are registered
    # scenarios/access_control.hcl:14
    And Alice and Bob are connected
    # scenarios/access_control.hcl:19
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    # scenarios/access_control.hcl:26
    And Alice shares "My Car" with Bob

  # scenarios/access_control.hcl:31
  @req:READ-ACCESS-01:neg @req:DELETE-SHARE-02:neg @req:ACCESS-ITEM-01:neg
  Scenario: A stranger cannot read the share
    # scenarios/access_control.hcl:33
    Then Carol cannot read the share of "My Car" to Bob
    And Carol cannot delete the share of "My Car" to Bob
    And Carol has 0 incoming shares
    # scenarios/access_control.hcl:39
    And Carol cannot read Alice's item "My Car"

  # scenarios/access_control.hcl:45
  @req:READ-ITEM-01 @req:ACCESS-ITEM-01:neg
  Scenario: Bob can read the share but not Alice's own item
    # scenarios/access_control.hcl:47
    Then Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    # scenarios/access_control.hcl:51
    And Bob cannot read Alice's item "My Car"
    # scenarios/access_control.hcl:55
    And Bob cannot update Alice's item "My Car"
