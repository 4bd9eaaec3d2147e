user "alice" {}
user "bob" {}
connection "alice_bob" {
  from = user.alice
  to   = user.bob
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots    = { vin = "5YJ3E1EA7KF317000", model_make = "Tesla" }
}
scenario "expectations that cannot be checked" {
  share "s" {
    item = item.car
    to   = user.bob
  }
  expect "nothing" {}
  expect "no_subject" {
    hashes_verify = true
  }
  expect "no_user" {
    incoming_shares = 1
  }
  expect "false_check" {
    share         = share.s
    hashes_verify = false
  }
  expect "wrong_status" {
    share  = share.s
    status = "accepted"
  }
  expect "stranger_values" {
    user   = user.alice
    share  = share.s
    values = { vin = "5YJ3E1EA7KF317000" }
  }
}
