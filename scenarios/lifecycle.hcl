# The life of a share: the HCL twin of features/share_lifecycle.feature.

description = <<-EOT
  A share can ask its recipient to accept terms first, or carry an expiry; either side can delete it; shares appear in
  both users' lists; and when the owner changes a shared item she re-keys its shares.
EOT

user "alice" { pronoun = "she" }
user "bob" { pronoun = "he" }

connection "alice_bob" {
  from = user.alice
  to   = user.bob
}

item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots = {
    model_make = "Tesla Model 3"
    vin        = "5YJ3E1EA7KF317000"
  }
}

scenario "A share with terms waits for acceptance" {
  requirements = ["ACCEPT-DEK-01", "ACCEPT-DEK-01:neg", "ACCEPT-STATE-01", "ACCEPT-TERMS-01"]
  share "insurance" {
    item  = item.car
    to    = user.bob
    terms = "Use only to insure the car"
  }
  expect "waiting" {
    share                 = share.insurance
    status                = "acceptance_required"
    locked_until_accepted = true
  }
  accept "bob_agrees" {
    share = share.insurance
  }
  expect "accepted" {
    share       = share.insurance
    terms_shown = true
    status      = "accepted"
    values      = { model_make = "Tesla Model 3" }
  }
}

scenario "A share can expire" {
  requirements = ["SHARE-EXPIRY-03"]
  share "until_summer" {
    item    = item.car
    to      = user.bob
    expires = "2099-12-31"
  }
  expect "both_read_the_expiry" {
    share      = share.until_summer
    expires_at = true
    values     = { model_make = "Tesla Model 3" }
  }
}

scenario "Terms accepted at once" {
  requirements = ["ACCEPT-STATE-01"]
  share "insurance" {
    item   = item.car
    to     = user.bob
    terms  = "Use only to insure the car"
    accept = true
  }
  expect "bob_reads" {
    share  = share.insurance
    values = { vin = "5YJ3E1EA7KF317000" }
  }
}

scenario "Alice deletes the share" {
  requirements = ["DELETE-SHARE-01"]
  share "car_to_bob" {
    item = item.car
    to   = user.bob
  }
  delete "alice_deletes" {
    share = share.car_to_bob
    by    = user.alice
  }
  expect "gone" {
    gone = share.car_to_bob
  }
  expect "alice_keeps_her_car" {
    item   = item.car
    values = { vin = "5YJ3E1EA7KF317000" }
  }
}

scenario "Bob deletes the share" {
  requirements = ["DELETE-SHARE-02"]
  # Written check-first: the "gone" check names the delete, so it runs after it.
  expect "gone" {
    gone = share.car_to_bob
  }
  share "car_to_bob" {
    item = item.car
    to   = user.bob
  }
  delete "bob_deletes" {
    share = share.car_to_bob
    by    = user.bob
  }
}

scenario "Lists in both directions" {
  requirements = ["READ-LIST-01"]
  user "jane" { pronoun = "she" }
  connection "alice_jane" {
    from = user.alice
    to   = user.jane
  }
  item "van" {
    owner    = user.alice
    template = "vehicle"
    label    = "Her Van"
    slots    = { model_make = "VW Crafter" }
  }
  share "car" {
    item = item.car
    to   = [user.bob, user.jane]
  }
  share "van_to_bob" {
    item  = item.van
    to    = user.bob
    after = share.car
  }
  expect "alice_sent" {
    user            = user.alice
    outgoing_shares = 3
  }
  expect "bob_received" {
    user            = user.bob
    incoming_shares = 2
    outgoing_shares = 0
  }
  expect "jane_received" {
    user            = user.jane
    incoming_shares = 1
  }
}

scenario "Changing a shared item and re-keying its shares" {
  requirements = ["ITEM-UPDATE-01", "TASK-QUEUE-01", "REKEY-PUT-01"]
  share "car_to_bob" {
    item = item.car
    to   = user.bob
  }
  update "new_vin" {
    item  = item.car
    slots = { vin = "1HGCM82633A004352" }
  }
  expect "task" {
    item       = item.car
    rekey_task = true
  }
  update "rekey" {
    item  = item.car
    rekey = true
  }
  expect "new_key" {
    share   = share.car_to_bob
    new_dek = true
    values  = { vin = "1HGCM82633A004352" }
  }
}
