# A placeholder feature for the harness's own tests: trivial steps from the
# fake initializer in harness_test.go, not vaultcheck's step library.
Feature: Arithmetic

  Background:
    Given the target answers

  @smoke
  Scenario: Adding small numbers
    Then 1 plus 2 is 3

  @slow
  Scenario: Adding larger numbers
    Then 40 plus 2 is 42

  @smoke @outline
  Scenario Outline: Adding <a> and <b>
    Then <a> plus <b> is <sum>

    Examples:
      | a | b | sum |
      | 2 | 2 | 4   |
      | 3 | 4 | 7   |
