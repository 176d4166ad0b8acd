-- What should each overseas warehouse be sent for next month? Per warehouse and SKU on the
-- newest stock day: the next 30 days' demand at the trailing 28-day sales rate, against stock on
-- hand plus inbound in transit; the shortfall is what to send. The SKUs that run out first lead.
-- Interim: reads fct_inventory_daily until the forecast-driven marts.fct_replenishment_advice
-- (issue 5) is published; then this query reads that mart instead.
with latest as (
    select *
    from marts.fct_inventory_daily
    where snapshot_date = (select max(snapshot_date) from marts.fct_inventory_daily)
)

select
    l.warehouse_id,
    l.sku,
    p.product_category,
    l.on_hand,
    l.inbound_in_transit,
    round(l.avg_daily_units_sold_28d, 2) as avg_daily_units_28d,
    round(l.days_of_cover, 1) as days_of_cover,
    ceil(30 * l.avg_daily_units_sold_28d) as demand_next_30d,
    greatest(
        ceil(30 * l.avg_daily_units_sold_28d) - l.on_hand - l.inbound_in_transit, 0
    ) as units_to_send
from latest as l
left join marts.dim_products as p on l.sku = p.sku and p.is_current
where l.avg_daily_units_sold_28d > 0
order by days_of_cover asc, units_to_send desc, l.warehouse_id, l.sku
limit 20;
