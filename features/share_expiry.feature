Feature: Shares that expire
  A share may carry an expiry date (expires_at). Once it has passed, the share is gone for its
  recipient: the share and its item answer 404, the share is no longer listed, and the copy it
  delivered is neither readable nor listed, so that a client which kept the share's key has nothing
  left to open. (A share far in the future is read back as it was set: see "The life of a share".)

  Background:
    Given users Alice and Bob are registered
    And Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |

  @req:SHARE-EXPIRY-01:neg @req:SHARE-EXPIRY-02:neg
  Scenario: An expired share is gone for its recipient
    When Alice shares "My Car" with Bob for 2 seconds
    Then Bob loses the share of "My Car" when it expires
