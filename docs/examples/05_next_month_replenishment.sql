-- What should each overseas warehouse be sent next? The replenishment advice of the newest
-- as-of day: every SKU at or below its reorder point, with the order quantity, the stock
-- position, safety stock and reorder point, the days until it runs out, and what the advice
-- rests on (forecast or trailing sales; the lane's measured lead time or a fallback).
select
    a.warehouse_id,
    a.sku,
    a.recommended_order_units,
    a.inventory_position,
    round(a.safety_stock_units, 1) as safety_stock_units,
    round(a.reorder_point_units, 1) as reorder_point_units,
    round(a.days_until_stockout, 1) as days_until_stockout,
    round(a.daily_demand_units, 2) as daily_demand_units,
    a.demand_basis,
    round(a.lead_time_mean_days, 1) as lead_time_mean_days,
    a.lead_time_basis
from marts.fct_replenishment_advice as a
where
    a.as_of_date = (select max(as_of_date) from marts.fct_replenishment_advice)
    and a.is_reorder
order by a.days_until_stockout asc nulls last, a.recommended_order_units desc
limit 25;
