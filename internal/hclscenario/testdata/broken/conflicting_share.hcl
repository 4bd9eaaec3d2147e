user "alice" {}
user "bob" {}
user "jane" {}
connection "alice_bob" {
  from = user.alice
  to   = user.bob
}
connection "bob_jane" {
  from = user.bob
  to   = user.jane
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots    = { vin = "5YJ3E1EA7KF317000", model_make = "Tesla" }
}
scenario "share variants" {
  share "s" {
    item      = item.car
    from_share = share.s
    to        = user.bob
  }
  share "t" {
    item      = item.car
    to        = user.bob
    onsharing = true
  }
  share "on" {
    from_share = share.t
    to         = user.jane
    slot       = "vin"
    terms      = "read only"
  }
  share "u" {
    to = user.bob
  }
}
