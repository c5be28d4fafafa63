//! The request and answer types under the names of their operations
//! (`types::SubscriptionSearchRequest` for `subscription_search`), generated for
//! every operation with a JSON body or answer: the same types as the schema-named
//! ones, so either name goes in and comes out.

use billing_clients::closient;
use billing_clients::funnelfox::types;
use billing_clients::testing::{FakeClosient, FakeFunnelFox, Role};

#[tokio::test]
async fn funnelfox_operations_take_and_answer_their_aliases() {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_user("user-42", true);
    let client = fake.client();

    let buy: types::OneClickRequest = types::OneClickRequest::builder()
        .external_id("user-42")
        .pp_ident("pro_monthly")
        .try_into()
        .unwrap();
    let paid: types::OneClickResponse = client.one_click(buy).await.unwrap();
    assert!(paid.order_id.is_some());

    let owned: types::MyAssetsResponse = client
        .my_assets(types::MyAssetsRequest::builder().external_id("user-42"))
        .await
        .unwrap();
    assert_eq!(owned.subscriptions.len(), 1);

    let found: types::SubscriptionSearchResponse = client
        .subscription_search(types::SubscriptionSearchRequest::builder())
        .await
        .unwrap();
    // The alias is the schema-named type itself.
    let same: &types::SubscriptionListOut = &found;
    assert_eq!(same.subscriptions.len(), 1);
}

#[tokio::test]
async fn closient_operations_have_aliases_too() {
    let fake = FakeClosient::start().await;
    let org = fake.add_org();
    let key = fake.add_key(&org, Role::Owner);
    let client = fake.client(&key);
    let balance: closient::types::GetBalanceResponse = client.get_balance(&org).await.unwrap();
    let _: &closient::types::BalanceOut = &balance;
}
