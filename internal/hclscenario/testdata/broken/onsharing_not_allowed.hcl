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
scenario "on-share without permission" {
  share "s" {
    item = item.car
    to   = user.bob
  }
  share "t" {
    from_share = share.s
    to         = user.jane
  }
}
scenario "refusal expected where the Vault accepts" {
  share "s" {
    item      = item.car
    to        = user.bob
    onsharing = true
  }
  share "t" {
    from_share = share.s
    to         = user.jane
    refused    = true
  }
}
