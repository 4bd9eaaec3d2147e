Feature: Failing arithmetic

  Scenario: A wrong sum
    Then 1 plus 1 is 3

  Scenario: A right sum
    Then 1 plus 1 is 2
