Feature: Items and slots
  An item is made from a template and holds slots. The client encrypts each slot value with the
  user's data encryption key (Aes256Gcm, AAD "none") before it leaves the device, so the Vault only
  ever stores Cryppo strings, and refuses a value that is not one. A slot with no value is not sent.
  The Vault returns every value byte for byte as it was sent. The owner changes a value by the
  slot's id, adds a slot by sending one without an id, and removes one with _destroy or
  DELETE /slots/{id}; a request the Vault refuses changes nothing.

  Background:
    Given Alice is a registered user

  @req:ITEM-VALUE-01 @req:ITEM-TEMPLATE-01 @req:CRYPPO-STRATEGY-01 @req:CRYPPO-VERBATIM-01
  Scenario: Alice stores her car and reads it back
    When Alice creates a "vehicle" item "My Car" with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    Then Alice sees her item "My Car" with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    And every slot value of "My Car" is stored encrypted with Alice's data encryption key
    And every slot value of "My Car" comes back byte for byte as Alice sent it
    And Alice's item "My Car" holds the slots of the "vehicle" template in template order
    And the Vault holds no plaintext of "My Car"

  @req:ITEM-VALUE-01
  Scenario Outline: Slot values survive the round trip byte for byte (<kind>)
    When Alice creates a "vehicle" item "Odd Car" with:
      | slot       | value   |
      | model_make | <value> |
    Then Alice sees her item "Odd Car" with:
      | slot       | value   |
      | model_make | <value> |

    Examples:
      | kind             | value                          |
      | Latin-1          | Citroën Ë-C4 Ærø               |
      | CJK and Cyrillic | 鍵 ключ 東京                   |
      | emoji            | 🚗 👨‍👩‍👧 model                |
      | JSON-like        | {"make": "Ford", "year": 1967} |

  @req:ITEM-UPDATE-01 @req:ITEM-UPDATE-01:neg @req:ITEM-READONLY-01 @req:ITEM-VALUE-01:neg
  @req:CRYPPO-STRATEGY-01:neg @req:ERR-ATOMIC-01 @req:ERR-ATOMIC-01:neg
  Scenario: Changing a slot re-encrypts only that value
    Given Alice has a "vehicle" item "My Car" with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 5YJ3E1EA7KF317000 |
    When Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    Then Alice sees her item "My Car" with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 1HGCM82633A004352 |
    And every slot value of "My Car" is stored encrypted with Alice's data encryption key
    And every slot value of "My Car" comes back byte for byte as Alice sent it
    When Alice changes slot "vin" of "My Car" to "JH4KA7561PC008269" along with a slot the item does not have
    Then the request is refused
    When Alice stores a plaintext value in slot "model_make" of "My Car"
    Then the request is refused with status 400
    And Alice sees her item "My Car" with:
      | slot       | value             |
      | model_make | Tesla Model 3     |
      | vin        | 1HGCM82633A004352 |

  @req:ITEM-UPDATE-02 @req:ITEM-UPDATE-03 @req:ITEM-UPDATE-03:neg @req:ITEM-DELETE-01 @req:ITEM-DELETE-01:neg
  @req:CRYPPO-VERBATIM-01:neg
  Scenario: Slots come and go, and so does the item
    Given Alice has a "vehicle" item "My Car" with:
      | slot          | value             |
      | model_make    | Tesla Model 3     |
      | licence_plate | ABC-123           |
      | vin           | 5YJ3E1EA7KF317000 |
    When Alice adds a slot "colour" to "My Car" with value "Midnight Silver"
    And Alice removes slot "licence_plate" from "My Car"
    And Alice deletes slot "model_make" of "My Car"
    And Alice changes slot "vin" of "My Car" to "1HGCM82633A004352" in the legacy format
    Then Alice sees her item "My Car" with:
      | slot   | value             |
      | colour | Midnight Silver   |
      | vin    | 1HGCM82633A004352 |
    And Alice's item "My Car" has no slots "licence_plate" and "model_make"
    And every slot value of "My Car" comes back byte for byte as Alice sent it
    When Alice deletes her item "My Car"
    Then Alice's item "My Car" is gone with its slots
