Feature: On-sharing a received item
  The owner of an item may allow its recipient to share it on. Bob, who received Alice's car with
  on-sharing permitted, re-encrypts the values he holds under a fresh key for Jane; he cannot vouch
  for the values himself, so he sends no new verification hash and Jane checks the owner's. The Vault
  records Alice as owner and Bob as sender, hides Alice from Jane's copy, and refuses an on-share of
  an on-share. Only the owner may allow on-sharing, at the share or later with PUT /shares; when she
  withdraws it, the on-shares already made are deleted.

  Background:
    Given users Alice, Bob and Jane are registered
    And Alice and Bob are connected
    And Bob and Jane are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot          | value             |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |

  @req:ONSHARE-PERMIT-01 @req:ONSHARE-HASH-01 @req:ONSHARE-OWNERONLY-01
  Scenario: Alice allows on-sharing, Bob shares the car with Jane
    Given Alice shares "My Car" with Bob allowing on-sharing
    Then the share of "My Car" to Bob permits on-sharing
    When Bob shares the "My Car" he received from Alice with Jane
    Then Jane sees the share of "My Car" from Bob with:
      | slot          | value             |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    And the share of "My Car" to Jane has owner Alice and sender Bob
    And every slot of the share of "My Car" to Jane has a value verification hash that verifies
    And the share of "My Car" to Jane carries the verification hashes Alice made

  @req:READ-OWNER-01
  Scenario: Jane's copy does not reveal Alice as its owner
    Given Alice shares "My Car" with Bob allowing on-sharing
    When Bob shares the "My Car" he received from Alice with Jane
    Then Jane's copy of "My Car" does not reveal Alice as its owner

  @req:ONSHARE-PERMIT-01:neg
  Scenario: Without permission Bob cannot share it on
    Given Alice shares "My Car" with Bob
    Then the share of "My Car" to Bob does not permit on-sharing
    When Bob shares the "My Car" he received from Alice with Jane
    Then the request is refused with status 403

  @req:ONSHARE-DEPTH-01 @req:ONSHARE-DEPTH-01:neg @req:ONSHARE-OWNERONLY-01:neg
  Scenario: Jane cannot share it further, whatever Bob asked for
    Given Jane and Alice are connected
    And Alice shares "My Car" with Bob allowing on-sharing
    When Bob shares the "My Car" he received from Alice with Jane allowing on-sharing
    Then the share of "My Car" to Jane does not permit on-sharing
    When Jane shares the "My Car" she received from Bob with Alice
    Then the request is refused with status 403

  @req:ONSHARE-HASH-01:neg
  Scenario: Bob cannot vouch for the values with hashes of his own
    Given Alice shares "My Car" with Bob allowing on-sharing
    When Bob shares the "My Car" he received from Alice with Jane vouching for its values with hashes of his own
    Then the request is refused with status 400
    And Jane has 0 incoming shares

  @req:ONSHARE-OWNERONLY-01 @req:ONSHARE-OWNERONLY-01:neg
  Scenario: Only Alice can allow on-sharing later
    Given Alice shares "My Car" with Bob
    When Alice allows on-sharing of the share of "My Car" to Bob
    Then the share of "My Car" to Bob permits on-sharing
    When Bob shares the "My Car" he received from Alice with Jane
    And Bob allows on-sharing of the share of "My Car" to Jane
    Then the request is refused with status 403
    And the share of "My Car" to Jane does not permit on-sharing

  @req:ONSHARE-REVOKE-01 @req:ONSHARE-REVOKE-01:neg
  Scenario: Withdrawing permission deletes the on-shares
    Given Alice shares "My Car" with Bob allowing on-sharing
    And Bob shares the "My Car" he received from Alice with Jane
    When Alice withdraws on-sharing of the share of "My Car" to Bob
    Then the share of "My Car" to Jane is gone for Bob and Jane
    And the share of "My Car" to Bob does not permit on-sharing
    And Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    When Bob shares the "My Car" he received from Alice with Jane
    Then the request is refused with status 403
