Feature: Client tasks
  The Vault holds no keys, so work that needs them waits in the owner's client task queue: when
  Alice changes a shared item, an update_item_shares task for it. Her client takes its todo tasks
  with change_state=true, which answers them as they were (Meeco's runner refuses a task it is
  shown in_progress) and moves them to in_progress so that no second runner takes them; it then
  settles each with PUT /client_task_queue. Nobody but Alice sees or changes her tasks.

  Background:
    Given users Alice and Bob are registered
    And Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    And Alice shares "My Car" with Bob
    And Alice changes slot "vin" of "My Car" to "1HGCM82633A004352"

  @req:TASK-LIST-01 @req:TASK-LIST-01:neg
  Scenario: Taking the tasks hands each out once, as it was
    When Alice takes her client tasks
    Then Alice took 1 task to update the shares of "My Car" in state "todo"
    And Alice's task to update the shares of "My Car" is "in_progress"
    When Alice takes her client tasks
    Then Alice took 0 tasks to update the shares of "My Car"

  @req:TASK-UPDATE-01 @req:TASK-UPDATE-01:neg @req:ACCESS-TASK-01 @req:ACCESS-TASK-01:neg
  Scenario: Alice settles her task, and nobody else can see or change it
    Then Bob cannot see Alice's task to update the shares of "My Car"
    And Bob cannot change Alice's task to update the shares of "My Car"
    When Alice marks her task to update the shares of "My Car" "done"
    Then Alice's task to update the shares of "My Car" is "done"
