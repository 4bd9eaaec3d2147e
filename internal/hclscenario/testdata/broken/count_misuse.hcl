user "alice" {}
user "guest" { count = 2 }
connection "c" {
  from = user.alice
  to   = user.guest
}
scenario "count" {
  item "car" {
    owner    = user.guest
    template = "vehicle"
    slots    = { vin = "1" }
  }
  share "s" {
    item = item.car
    to   = [user.guest[2], user.alice[0]]
  }
}
