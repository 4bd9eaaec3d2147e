Feature: Slot values come back as they were written
  Every slot value is encrypted on the client with the owner's data encryption key, and must come
  back exactly as written: to the owner, and through the share's own key to a recipient, whatever
  its characters and however many lines it has. (This feature also shows the Gherkin a QA writer
  uses with these steps: rules, an outline with several tagged Examples tables, data tables with
  escaped cells, and a doc string.)

  Background:
    Given Alice is a registered user

  Rule: A slot keeps the value it is given, character for character

    Scenario Outline: A <template> item keeps its <slot> (<case>)
      When Alice creates a "<template>" item "Odd values" with:
        | slot   | value   |
        | <slot> | <value> |
      Then Alice sees her item "Odd values" with:
        | slot   | value   |
        | <slot> | <value> |
      And every slot value of "Odd values" is stored encrypted with Alice's data encryption key

      @smoke
      Examples: Vehicles
        | template | slot          | case    | value         |
        | vehicle  | licence_plate | plain   | ABC-123       |
        | vehicle  | model_make    | accents | Škoda Octavia |

      @lifestyle
      Examples: Lifestyle
        | template | slot      | case      | value             |
        | food     | allergies | a list    | nuts, gluten; soy |
        | drink    | beer      | a pipe    | ale \| lager      |

  Rule: Text of several lines travels in a doc string

    Scenario: Alice keeps notes of several lines with a password and shares them
      Given Bob is a registered user
      And Alice and Bob are connected
      And Alice has a "password" item "Streaming" with:
        | slot     | value             |
        | username | alice@example.com |
      When Alice changes slot "notes" of "Streaming" to:
        """
        Shared account: do not change the password.
          Indented line, kept as written.

        Renewal: 1 March
        """
      And Alice shares "Streaming" with Bob
      Then Alice sees her item "Streaming" with:
        | slot  | value                                                                                   |
        | notes | Shared account: do not change the password.\n  Indented line, kept as written.\n\nRenewal: 1 March |
      And Bob sees the share of "Streaming" from Alice with:
        | slot     | value                                                                                   |
        | username | alice@example.com                                                                       |
        | notes    | Shared account: do not change the password.\n  Indented line, kept as written.\n\nRenewal: 1 March |
