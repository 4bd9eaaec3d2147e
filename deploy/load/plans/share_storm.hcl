# A share-heavy load: each VU sets up Alice, Bob, their connection and
# Alice's car once; every iteration shares the car, Bob reads and verifies
# it, and Alice deletes the share.
load "share_storm" {
  executor        = "constant-arrival-rate"
  rate            = 20
  duration        = "1m"
  preAllocatedVUs = 16
  maxVUs          = 32
  scenarios       = ["share_storm.feature"]
  thresholds = [
    "http_req_duration{route:POST /vault/items/{id}/shares}:p(95)<250ms",
    "iteration_failures:count==0",
  ]
}
