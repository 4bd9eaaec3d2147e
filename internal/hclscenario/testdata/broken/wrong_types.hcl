user "alice" { count = "many" }
user "bob" { pronoun = "it" }
scenario "types" {
  user "carol" { count = 1.5 }
  expect "e" {
    user            = user.bob
    incoming_shares = "one"
    connections     = -1
    ledger_reverifies = "yes"
  }
  expect "f" {
    tags = 3
  }
}
