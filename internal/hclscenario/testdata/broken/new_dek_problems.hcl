user "alice" {}
user "bob" {}
connection "c" {
  from = user.alice
  to   = user.bob
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  slots    = { vin = "V" }
}
scenario "new keys that cannot be checked" {
  share "plain" {
    item = item.car
    to   = user.bob
  }
  expect "too_early" {
    share   = share.plain
    new_dek = true
  }
  update "rekey" {
    item  = item.car
    rekey = true
  }
  expect "rekey_task_after_rekey" {
    item       = item.car
    rekey_task = true
  }
}
scenario "a share with terms" {
  share "terms" {
    item   = item.car
    to     = user.bob
    terms  = "t"
    accept = true
  }
  update "rekey" {
    item  = item.car
    slots = { vin = "W" }
    rekey = true
  }
  expect "new" {
    share   = share.terms
    new_dek = true
  }
}
