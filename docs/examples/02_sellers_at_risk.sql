-- Which sellers are at risk of losing their selling privileges today? On the newest as-of day
-- of the scorecard, every seller x platform with a breached threshold, the breaches named
-- (metric@window) and the 30-day rates beside them.
with latest as (
    select max(as_of_date) as as_of_date from marts.fct_seller_scorecards
)

select
    s.platform,
    s.seller_id,
    s.as_of_date,
    string_agg(distinct s.at_risk_reasons, ', ') as at_risk_reasons,
    max(case when s.window_days = 30 then s.late_shipment_rate end) as late_shipment_rate_30d,
    max(case when s.window_days = 30 then s.valid_tracking_rate end) as valid_tracking_rate_30d,
    max(case when s.window_days = 30 then s.on_time_delivery_rate end) as on_time_rate_30d,
    max(case when s.window_days = 30 then s.pre_fulfilment_cancel_rate end) as cancel_rate_30d
from marts.fct_seller_scorecards as s
inner join latest on s.as_of_date = latest.as_of_date
group by s.platform, s.seller_id, s.as_of_date
having bool_or(s.is_at_risk)
order by s.platform, s.seller_id;
