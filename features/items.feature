Feature: Items and slots
  An item is made from a template and holds slots. The client encrypts each slot value with the
  user's data encryption key (Aes256Gcm, AAD "none") before it leaves the device, so the Vault only
  ever stores Cryppo strings. A slot with no value is not sent.

  Background:
    Given Alice is a registered user

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
    And the Vault holds no plaintext of "My Car"

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

  Scenario: Changing a slot re-encrypts only that value
    Given Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    When Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"
    Then Alice sees her item "My Car" with:
      | slot | value             |
      | vin  | 1HGCM82633A004352 |
    And every slot value of "My Car" is stored encrypted with Alice's data encryption key
