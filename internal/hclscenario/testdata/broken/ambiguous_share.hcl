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
scenario "two shares of one item to one user" {
  share "whole" {
    item = item.car
    to   = user.bob
  }
  share "vin" {
    item = item.car
    to   = user.bob
    slot = "vin"
  }
}
