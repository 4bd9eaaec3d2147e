# Users declared with count: one owner sharing with a group. user.guest
# means all three guests, user.guest[0] the first (named Guest1).

variable "plate" { default = "ABC-123" }

scenario "Alice shares her car with three guests, one slot each" {
  tags         = ["count"]
  requirements = ["SHARE-SLOT-01", "DELETE-SHARE-02", "READ-LIST-01"]

  user "alice" { pronoun = "she" }
  user "guest" { count = 3 }

  item "car" {
    owner    = user.alice
    template = "vehicle"
    label    = "My Car"
    slots = {
      model_make    = "Tesla Model 3"
      licence_plate = var.plate
      vin           = "5YJ3E1EA7KF317000"
    }
  }
  connection "alice_guests" {
    from = user.alice
    to   = user.guest
  }
  share "plate" {
    item = item.car
    to   = user.guest
    slot = "licence_plate"
  }
  expect "every_guest_reads_the_plate" {
    share         = share.plate
    values        = { licence_plate = var.plate }
    no_values_for = ["model_make", "vin"]
  }
  expect "counts" {
    user            = user.guest
    incoming_shares = 1
  }
  delete "first_guest_leaves" {
    share = share.plate
    by    = user.guest[0]
  }
  expect "gone_for_the_first" {
    user = user.guest[0]
    gone = share.plate
  }
  expect "the_others_keep_theirs" {
    user   = [user.guest[1], user.guest[2]]
    share  = share.plate
    values = { licence_plate = var.plate }
  }
  expect "alice_sent_two" {
    user            = user.alice
    outgoing_shares = 2
  }
}
