user "alice" {}
user "bob" {}
user "carol" {}
item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots    = { vin = "5YJ3E1EA7KF317000", model_make = "Tesla" }
}
scenario "not connected" {
  share "s" {
    item = item.car
    to   = [user.bob, user.carol]
  }
}
