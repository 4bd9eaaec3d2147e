Feature: Access control
  A Vault must never let a user read or change what is not theirs. Carol is a registered user with
  no connection to Alice or Bob: she must not see Alice's item, the share to Bob, or anyone's keys,
  and a request without a valid token must be refused. Objects of other users answer 404, as if they
  did not exist, so that their existence does not leak.

  Background:
    Given users Alice, Bob and Carol are registered
    And Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    And Alice shares "My Car" with Bob

  @req:READ-ACCESS-01:neg @req:READ-LIST-01:neg @req:DELETE-SHARE-02:neg @req:ACCESS-ITEM-01:neg @req:ACCESS-HIDE-01
  Scenario: A stranger cannot read the share
    Then Carol cannot read the share of "My Car" to Bob
    And Carol cannot read Alice's item "My Car"
    And Carol cannot delete the share of "My Car" to Bob
    And Carol has 0 incoming shares

  @req:ITEM-READONLY-01:neg @req:ITEM-UPDATE-02:neg @req:ITEM-OWN-01 @req:ITEM-OWN-01:neg
  @req:ACCESS-ITEM-01:neg
  Scenario: Bob can read the share but not Alice's own item
    Then Bob cannot read Alice's item "My Car"
    And Bob cannot update Alice's item "My Car"
    And Bob cannot change his copy of "My Car"
    And Bob's copy of "My Car" is marked as received from Alice

  @req:SESSION-LOGOUT-01:neg @req:SESSION-LOGOUT-02:neg
  @req:ACCESS-AUTH-01:neg
  Scenario Outline: Requests without a valid token are refused (<token>)
    Then reading Alice's item "My Car" with <token> is refused with status 401
    And reading the share of "My Car" as Bob with <token> is refused with status 401
    And reading Alice's key encryption key with <token> is refused with status 401

    Examples:
      | token              |
      | no token           |
      | a malformed token  |
      | a logged-out token |

  @req:SESSION-LOGOUT-01:neg
  @req:ACCESS-AUTH-01:neg
  Scenario: After logging out, the old token is refused
    When Alice logs out
    Then reading Alice's item "My Car" with her old token is refused with status 401

  @req:ACCESS-ITEM-01 @req:ACCESS-ITEM-01:neg @req:ACCESS-AUTH-01
  Scenario: Only Alice changes her item
    Then Carol cannot update Alice's item "My Car"
    And Carol cannot delete Alice's item "My Car"
    When Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    Then Alice sees her item "My Car" with:
      | slot | value             |
      | vin  | 1HGCM82633A004352 |
