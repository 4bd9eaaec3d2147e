Feature: Re-keying the shares of a changed item
  The Vault cannot re-encrypt anything: when Alice changes a shared item, her client re-keys every
  share of it, on-shares included, with one new DEK wrapped to each share's public key and the
  values re-encrypted under it (PUT /items/{id}/shares). Meeco's SDK sends every slot to every
  share, so the Vault must keep a one-slot share to its slot; a slot Alice added after sharing
  reaches the shares that grant it. Only the owner re-keys: a recipient who could would push values
  of its own to the others.

  Background:
    Given users Alice, Bob and Jane are registered
    And Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 5YJ3E1EA7KF317000 |

  @req:REKEY-PUT-01 @req:REKEY-PUT-02 @req:REKEY-PUT-02:neg @req:REKEY-SCOPE-01 @req:REKEY-SCOPE-01:neg
  Scenario: A slot added after sharing reaches the shares that grant it, and no other
    Given Alice and Jane are connected
    And Alice shares "My Car" with Bob
    And Alice shares slot "vin" of "My Car" with Jane
    When Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    And Alice adds a slot "colour" to "My Car" with value "Midnight Silver"
    And Alice updates the shares of "My Car" sending every slot to every share
    Then Bob sees the share of "My Car" from Alice with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 1HGCM82633A004352 |
      | colour     | Midnight Silver   |
    And Jane sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 1HGCM82633A004352 |
    And Jane's copy of "My Car" has only slot "vin"

  @req:REKEY-LIST-01 @req:ONSHARE-ITEMID-01 @req:REKEY-PUT-01
  Scenario: Alice lists and re-keys the on-shares too
    Given Bob and Jane are connected
    And Alice shares "My Car" with Bob allowing on-sharing
    And Bob shares the "My Car" he received from Alice with Jane
    Then Alice's item "My Car" lists the shares to Bob and Jane
    When Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    And Alice updates the shares of "My Car"
    Then Jane sees the share of "My Car" from Bob with:
      | slot | value             |
      | vin  | 1HGCM82633A004352 |

  @req:REKEY-OWNER-01:neg @req:ONSHARE-ITEMID-01:neg @req:REKEY-LIST-01:neg
  Scenario: Only the owner re-keys the shares of her item
    Given Bob and Jane are connected
    And Alice shares "My Car" with Bob allowing on-sharing
    And Bob shares the "My Car" he received from Alice with Jane
    Then Bob cannot list the shares of Alice's item "My Car"
    When Bob re-keys the share of "My Car" to Jane
    Then the request is refused
    And Jane sees the share of "My Car" from Bob with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
