# Requirements that name nothing in the catalogue, or twice the same.
user "alice" {}

scenario "Typos in requirement IDs" {
  requirements = ["SRP-PROFF-01", "SRP-PROOF-01:pos", "share-dek-01", "SRP-PROOF-01", "SRP-PROOF-01"]
  expect "profile" {
    user        = user.alice
    connections = 0
  }
}

scenario "Not a list" {
  requirements = "SRP-PROOF-01"
  expect "profile" {
    user              = user.alice
    connections       = 0
  }
}

scenario "A requirement tag among the tags" {
  tags = ["smoke", "req:SRP-PROFF-01"]
  expect "profile" {
    user              = user.alice
    connections       = 0
  }
}
