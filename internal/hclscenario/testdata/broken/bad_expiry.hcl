user "alice" {}
user "bob" {}

connection "alice_bob" {
  from = user.alice
  to   = user.bob
}

item "car" {
  owner    = user.alice
  template = "vehicle"
  slots    = { vin = "5YJ3E1EA7KF317000" }
}

scenario "expiries that cannot run" {
  share "in_the_past" {
    item    = item.car
    to      = user.bob
    expires = "2001-01-01"
  }
  share "with_terms" {
    item    = item.car
    to      = user.bob
    terms   = "read only"
    expires = "2099-12-31"
  }
}

scenario "an expiry that was never set" {
  share "no_expiry" {
    item = item.car
    to   = user.bob
  }
  expect "reads_expiry" {
    share      = share.no_expiry
    expires_at = true
  }
}
