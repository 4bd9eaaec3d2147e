# Compiled by vaultcheck from scenarios/lifecycle.hcl; edit that file, not this text.
Feature: scenarios/lifecycle.hcl
  A share can ask its recipient to accept terms first, or carry an expiry; either side can delete it; shares appear in
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
  @req:ACCEPT-DEK-01 @req:ACCEPT-DEK-01:neg @req:ACCEPT-STATE-01 @req:ACCEPT-TERMS-01
  Scenario: A share with terms waits for acceptance
    # scenarios/lifecycle.hcl:28
    When Alice shares "My Car" with Bob with terms "Use only to insure the car"
    # scenarios/lifecycle.hcl:33
    Then the share of "My Car" to Bob is "acceptance_required"
    And Bob cannot read the share of "My Car" before accepting it
    # scenarios/lifecycle.hcl:38
    When Bob accepts the share of "My Car" from Alice
    # scenarios/lifecycle.hcl:41
    Then Bob was shown the terms "Use only to insure the car"
    And the share of "My Car" to Bob is "accepted"
    And Bob sees the share of "My Car" from Alice with:
      | slot       | value         |
      | model_make | Tesla Model 3 |

  # scenarios/lifecycle.hcl:49
  @req:SHARE-EXPIRY-03
  Scenario: A share can expire
    # scenarios/lifecycle.hcl:51
    When Alice shares "My Car" with Bob until "2099-12-31"
    # scenarios/lifecycle.hcl:56
    Then the share of "My Car" to Bob expires at "2099-12-31"
    And Bob sees the share of "My Car" from Alice with:
      | slot       | value         |
      | model_make | Tesla Model 3 |

  # scenarios/lifecycle.hcl:63
  @req:ACCEPT-STATE-01
  Scenario: Terms accepted at once
    # scenarios/lifecycle.hcl:65
    When Alice shares "My Car" with Bob with terms "Use only to insure the car"
    And Bob accepts the share of "My Car" from Alice
    # scenarios/lifecycle.hcl:71
    Then Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |

  # scenarios/lifecycle.hcl:77
  @req:DELETE-SHARE-01
  Scenario: Alice deletes the share
    # scenarios/lifecycle.hcl:79
    When Alice shares "My Car" with Bob
    # scenarios/lifecycle.hcl:83
    And Alice deletes the share of "My Car" to Bob
    # scenarios/lifecycle.hcl:87
    Then the share of "My Car" to Bob is gone for Alice and Bob
    # scenarios/lifecycle.hcl:90
    And Alice sees her item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |

  # scenarios/lifecycle.hcl:96
  @req:DELETE-SHARE-02
  Scenario: Bob deletes the share
    # scenarios/lifecycle.hcl:102
    When Alice shares "My Car" with Bob
    # scenarios/lifecycle.hcl:106
    And Bob deletes the share of "My Car" to Bob
    # scenarios/lifecycle.hcl:99
    Then the share of "My Car" to Bob is gone for Alice and Bob

  # scenarios/lifecycle.hcl:112
  @req:READ-LIST-01
  Scenario: Lists in both directions
    # scenarios/lifecycle.hcl:114
    Given Jane is a registered user
    # scenarios/lifecycle.hcl:115
    And Alice and Jane are connected
    # scenarios/lifecycle.hcl:119
    And Alice has a "vehicle" item "Her Van" with:
      | slot       | value      |
      | model_make | VW Crafter |
    # scenarios/lifecycle.hcl:125
    When Alice shares "My Car" with Bob
    And Alice shares "My Car" with Jane
    # scenarios/lifecycle.hcl:129
    And Alice shares "Her Van" with Bob
    # scenarios/lifecycle.hcl:134
    Then Alice has 3 outgoing shares
    # scenarios/lifecycle.hcl:138
    And Bob has 2 incoming shares
    And Bob has 0 outgoing shares
    # scenarios/lifecycle.hcl:143
    And Jane has 1 incoming share

  # scenarios/lifecycle.hcl:149
  @req:ITEM-UPDATE-01 @req:TASK-QUEUE-01 @req:REKEY-PUT-01
  Scenario: Changing a shared item and re-keying its shares
    # scenarios/lifecycle.hcl:151
    When Alice shares "My Car" with Bob
    # scenarios/lifecycle.hcl:155
    And Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    # scenarios/lifecycle.hcl:159
    Then Alice has a task to update the shares of "My Car"
    # scenarios/lifecycle.hcl:163
    When Alice updates the shares of "My Car"
    # scenarios/lifecycle.hcl:167
    Then the share of "My Car" to Bob has a new encrypted DEK
    And Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 1HGCM82633A004352 |
