-- What does it cost to land an order line in each destination? Per destination country, the
-- cross-border order lines' goods value and landed cost in EUR, and what share of the landed
-- cost is freight, duty + VAT and fees (freight, insurance and fees are rate-card estimates).
select
    l.ship_to_country as destination_country,
    count(*) as order_lines,
    round(sum(l.goods_value_eur), 2) as goods_value_eur,
    round(sum(l.landed_cost_eur), 2) as landed_cost_eur,
    round(avg(l.landed_cost_eur), 2) as landed_cost_eur_per_line,
    round(sum(l.landed_cost_eur) / nullif(sum(l.goods_value_eur), 0), 3) as landed_to_goods_ratio,
    round(sum(l.freight_amount_eur + l.insurance_amount_eur) / sum(l.landed_cost_eur), 3)
        as freight_share,
    round(sum(l.duty_amount_eur + l.vat_amount_eur) / sum(l.landed_cost_eur), 3) as tax_share,
    round(sum(l.fee_amount_eur) / sum(l.landed_cost_eur), 3) as fee_share
from marts.fct_landed_costs as l
where l.is_cross_border
group by all
order by landed_cost_eur desc;
