# Compiled by vaultcheck from scenarios/lifecycle.hcl; edit that file, not this text.
Feature: scenarios/lifecycle.hcl
  A share can ask its recipient to accept terms first; either side can delete it; shares appear in
  both users' lists; and when the owner changes a shared item she re-keys its shares.

  Background:
    # scenarios/lifecycle.hcl:8
    Given users Alice and Bob are registered
    # scenarios/lifecycle.hcl:11
    And Alice and Bob are connected
    # scenarios/lifecycle.hcl:16
    And Alice has a "vehicle" item "My Car" with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 5YJ3E1EA7KF317000 |

  # scenarios/lifecycle.hcl:26
  Scenario: A share with terms waits for acceptance
    # scenarios/lifecycle.hcl:27
    When Alice shares "My Car" with Bob with terms "Use only to insure the car"
    # scenarios/lifecycle.hcl:32
    Then the share of "My Car" to Bob is "acceptance_required"
    And Bob cannot read the share of "My Car" before accepting it
    # scenarios/lifecycle.hcl:37
    When Bob accepts the share of "My Car" from Alice
    # scenarios/lifecycle.hcl:40
    Then Bob was shown the terms "Use only to insure the car"
    And the share of "My Car" to Bob is "accepted"
    And Bob sees the share of "My Car" from Alice with:
      | slot       | value         |
      | model_make | Tesla Model 3 |

  # scenarios/lifecycle.hcl:48
  Scenario: Terms accepted at once
    # scenarios/lifecycle.hcl:49
    When Alice shares "My Car" with Bob with terms "Use only to insure the car"
    And Bob accepts the share of "My Car" from Alice
    # scenarios/lifecycle.hcl:55
    Then Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |

  # scenarios/lifecycle.hcl:61
  Scenario: Alice deletes the share
    # scenarios/lifecycle.hcl:62
    When Alice shares "My Car" with Bob
    # scenarios/lifecycle.hcl:66
    And Alice deletes the share of "My Car" to Bob
    # scenarios/lifecycle.hcl:70
    Then the share of "My Car" to Bob is gone for Alice and Bob
    # scenarios/lifecycle.hcl:73
    And Alice sees her item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |

  # scenarios/lifecycle.hcl:79
  Scenario: Bob deletes the share
    # scenarios/lifecycle.hcl:84
    When Alice shares "My Car" with Bob
    # scenarios/lifecycle.hcl:88
    And Bob deletes the share of "My Car" to Bob
    # scenarios/lifecycle.hcl:81
    Then the share of "My Car" to Bob is gone for Alice and Bob

  # scenarios/lifecycle.hcl:94
  Scenario: Lists in both directions
    # scenarios/lifecycle.hcl:95
    Given Jane is a registered user
    # scenarios/lifecycle.hcl:96
    And Alice and Jane are connected
    # scenarios/lifecycle.hcl:100
    And Alice has a "vehicle" item "Her Van" with:
      | slot       | value      |
      | model_make | VW Crafter |
    # scenarios/lifecycle.hcl:106
    When Alice shares "My Car" with Bob
    And Alice shares "My Car" with Jane
    # scenarios/lifecycle.hcl:110
    And Alice shares "Her Van" with Bob
    # scenarios/lifecycle.hcl:115
    Then Alice has 3 outgoing shares
    # scenarios/lifecycle.hcl:119
    And Bob has 2 incoming shares
    And Bob has 0 outgoing shares
    # scenarios/lifecycle.hcl:124
    And Jane has 1 incoming share

  # scenarios/lifecycle.hcl:130
  Scenario: Changing a shared item and re-keying its shares
    # scenarios/lifecycle.hcl:131
    When Alice shares "My Car" with Bob
    # scenarios/lifecycle.hcl:135
    And Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    # scenarios/lifecycle.hcl:139
    Then Alice has a task to update the shares of "My Car"
    # scenarios/lifecycle.hcl:143
    When Alice updates the shares of "My Car"
    # scenarios/lifecycle.hcl:147
    Then the share of "My Car" to Bob has a new encrypted DEK
    And Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 1HGCM82633A004352 |
