# language: fr
Fonctionnalité: Partager une voiture
  Les mots-clés sont français, les phrases des étapes celles du catalogue.

  Règle: Seul le destinataire lit ce qu'Alice partage

    Contexte:
      Soit users Alice, Bob and Carol are registered
      Et Alice and Bob are connected

    Plan du scénario: Alice partage "<label>" avec Bob
      Soit Alice has a "vehicle" item "<label>" with:
        | slot | value |
        | vin  | <vin> |
      Quand Alice shares "<label>" with Bob
      Alors Bob sees the share of "<label>" from Alice with:
        | slot | value |
        | vin  | <vin> |
      Mais Carol cannot read the share of "<label>" to Bob

      Exemples: Voitures
        | label     | vin               |
        | Ma Zoé    | VF1AG000000000001 |
        | Sa Twingo | VF1CN000000000002 |
