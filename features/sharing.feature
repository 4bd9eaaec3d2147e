Feature: Sharing an item, as Meeco's Connections and Sharing guide tells it
  Alice has a car in her Vault. She creates Bob, connects to him, and shares the car. To share,
  Alice's client makes a fresh data encryption key for this share, re-encrypts the item's slots with
  it, and wraps the key with Bob's public key for the connection (RSA-OAEP with SHA-1, written as
  "Rsa4096.<ciphertext>.QQUAAAAA"). Only Bob's connection private key opens it. Bob fetches the
  share, unwraps the key with the private key from his Keystore, and decrypts. The Vault refuses a
  share that breaks the rules: values without their verification key or hash, a value for a slot
  the item does not have, a recipient Alice is not connected to.

  Background:
    Given Alice is a registered user
    And Alice has a "vehicle" item "My Car" with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |

  @smoke @guide
  @req:SHARE-CREATE-01 @req:SHARE-DEK-01 @req:SHARE-RECIPIENT-01 @req:READ-LIST-01 @req:READ-ITEM-01 @req:READ-ACCESS-01 @req:DELETE-SHARE-01 @req:DELETE-SHARE-01:neg @req:ACCESS-AUTH-01
  Scenario: Alice shares her car with Bob and Bob reads it
    # meeco users:create -p supersecretpassword > .bob.yaml
    Given Bob registers with password "supersecretpassword"
    # meeco connections:create-config --from .alice.yaml --to .bob.yaml > .connection_config.yaml
    # meeco connections:create -c .connection_config.yaml > .connection.yaml
    And Alice and Bob are connected
    # meeco shares:create-config ... and meeco shares:create -c .share_config.yaml
    When Alice shares "My Car" with Bob
    Then the share of "My Car" to Bob has an encrypted DEK of the form "Rsa4096.<...>.QQUAAAAA"
    And the share of "My Car" to Bob is "acceptance_not_required"
    # meeco shares:get-incoming -a .bob.yaml <SHARE_ID>
    And Bob sees the share of "My Car" from Alice with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    # meeco shares:list -a .bob.yaml, and -t outgoing -a .alice.yaml
    And Bob has 1 incoming share
    And Alice has 1 outgoing share
    # meeco shares:delete -a .alice.yaml <SHARE_ID>
    When Alice deletes the share of "My Car" to Bob
    Then the share of "My Car" to Bob is gone for Alice and Bob

  @req:SHARE-KEY-01 @req:SHARE-KEY-01:neg @req:SHARE-DEK-02 @req:SHARE-DEK-02:neg @req:READ-ITEM-01:neg
  Scenario: Each share's key opens with its recipient's connection key and no other key
    Given users Bob and Carol are registered
    And Alice and Bob are connected
    And Alice and Carol are connected
    When Alice shares "My Car" with Bob
    And Alice shares "My Car" with Carol
    Then the encrypted DEK of the share of "My Car" to Bob opens with Bob's connection key only
    And the encrypted DEK of the share of "My Car" to Carol opens with Carol's connection key only
    And the slot values of the share of "My Car" to Bob decrypt with the share's key only

  @req:SHARE-SLOT-01 @req:SHARE-SLOT-01:neg
  Scenario: Sharing one slot shares nothing else
    Given Bob is a registered user
    And Alice and Bob are connected
    When Alice shares slot "vin" of "My Car" with Bob
    Then Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    And Bob's copy of "My Car" holds no value for slots "model_make" and "licence_plate"
    And Bob's copy of "My Car" has only slot "vin"

  @req:SHARE-VERIFY-01 @req:SHARE-VERIFY-02 @req:SHARE-VERIFY-02:neg
  Scenario: Every shared value carries a verification hash that Bob checks
    Given Bob is a registered user
    And Alice and Bob are connected
    When Alice shares "My Car" with Bob
    Then every slot of the share of "My Car" to Bob has a value verification hash that verifies
    And a tampered copy of the share of "My Car" to Bob is rejected

  @req:SHARE-VERIFY-01:neg
  Scenario: Values without their verification key or hash are refused
    Given Bob is a registered user
    And Alice and Bob are connected
    When Alice shares "My Car" with Bob without value verification hashes
    Then the request is refused with status 400
    When Alice shares "My Car" with Bob without value verification keys
    Then the request is refused with status 400
    And Bob has 0 incoming shares

  @req:SHARE-CREATE-01:neg
  Scenario: A value for a slot the item does not have is refused, and no share is made
    Given Bob is a registered user
    And Alice and Bob are connected
    When Alice shares "My Car" with Bob with a value for a slot the item does not have
    Then the request is refused
    And Bob has 0 incoming shares
    And Alice has 0 outgoing shares

  @req:SHARE-RECIPIENT-01:neg
  Scenario: Alice cannot share with a user she is not connected to
    Given Carol is a registered user
    When Alice shares "My Car" with Carol although they are not connected
    Then the request is refused
    And Carol has 0 incoming shares
