"""Prescriptive "what-if" scenarios on top of the forecasts: spec, model, goal seek and saved scenarios.

- :mod:`.spec`: what an analyst asks (segment changes, a goal), parsed from the CLI's
  short strings and kept as JSON;
- :mod:`.model`: the segment forecasts and the scenario applied to them;
- :mod:`.goal`: the growth of a segment that meets a target, in closed form;
- :mod:`.store`: named scenarios in ``analytics_scenarios`` and their comparison with
  what actually happened.
"""
