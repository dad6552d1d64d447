// Every operation the console sends. graphql-codegen turns these into typed documents
// (src/gql/) whose text is sent verbatim and registered as trusted documents.
import { graphql } from "./gql";

export const Login = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) { token errors { field code message } }
  }
`);

export const Me = graphql(`
  query Me {
    me {
      id name email role locale
      scope { id name settings { timezone currency locale } }
    }
  }
`);

export const TreeRoot = graphql(`
  query TreeRoot {
    tierTree { ...TreeNode }
  }
  fragment TreeNode on TierNode {
    id code name kind depth
    children(first: 0) { totalCount }
    rollup { customerCount memberCount openTicketCount revenue { amount currency } }
  }
`);

export const TreeChildren = graphql(`
  query TreeChildren($id: ID!, $after: String) {
    node(id: $id) {
      __typename
      ... on TierNode {
        id
        children(first: 50, after: $after) {
          edges { node { ...TreeNode } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`);

export const NodeSettingsQuery = graphql(`
  query NodeSettings($id: ID!) {
    node(id: $id) {
      __typename
      ... on TierNode {
        id name
        ownSettings { currency locale timezone membershipProgram { id name } }
        settings { currency locale timezone membershipProgram { id name } }
      }
    }
  }
`);

export const SearchOptions = graphql(`
  query SearchOptions {
    membershipPrograms { id name tiers { id name rank } }
    tierTree { id name descendants(first: 100, maxDepth: 3) { edges { node { id name depth } } } }
  }
`);

export const SearchCustomers = graphql(`
  query SearchCustomers($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {
    customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id name email externalRef tags createdAt
          node { id name }
          membership { id pointsBalance tier { id name } }
        }
      }
    }
  }
`);

export const CustomerPage = graphql(`
  query CustomerPage($id: ID!) {
    customer(id: $id) {
      id name email phone externalRef locale tags createdAt
      node { id name code settings { timezone currency locale } }
      lifetimeValue { amount currency }
      membership {
        id pointsBalance qualifyingPoints joinedAt
        program { id name }
        tier { id name }
        coupons { id code status percentOff expiresAt amountOff { amount currency } }
        pointsLedger(first: 10) {
          edges { node { id delta balanceAfter reason note createdAt } }
        }
      }
      orders(first: 10) {
        totalCount
        edges { node { id number status placedAt total { amount currency } } }
      }
      tickets(first: 10) {
        totalCount
        edges { node { id number subject status priority slaDueAt slaBreached } }
      }
      interactions(first: 10) {
        totalCount
        edges { node { id kind channel summary occurredAt staff { id name } } }
      }
    }
  }
`);

export const Timeline = graphql(`
  query Timeline($id: ID!, $after: String) {
    customer(id: $id) {
      id
      timeline(first: 20, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            __typename
            ... on Order { id number orderStatus: status placedAt total { amount currency } }
            ... on Ticket { id number subject ticketStatus: status createdAt }
            ... on Interaction { id kind summary occurredAt staff { name } }
            ... on PointsEntry { id delta reason note createdAt }
            ... on TierChange { at tierReason: reason from { name } to { name } }
            ... on Opportunity { id title opportunityStatus: status createdAt amount { amount currency } }
          }
        }
      }
    }
  }
`);

export const LogInteraction = graphql(`
  mutation LogInteraction($input: LogInteractionInput!) {
    logInteraction(input: $input) { interaction { id } errors { field code message } }
  }
`);

export const OpenTicket = graphql(`
  mutation OpenTicket($input: OpenTicketInput!) {
    openTicket(input: $input) { ticket { id number } errors { field code message } }
  }
`);

export const AdjustPoints = graphql(`
  mutation AdjustPoints($input: AdjustPointsInput!) {
    adjustPoints(input: $input) { membership { id pointsBalance } errors { field code message } }
  }
`);

export const Reports = graphql(`
  query Reports($from: DateTime) {
    reports {
      salesByNode(from: $from, groupBy: MONTH) {
        node { id name }
        rows { period node { id name } revenue { amount currency } orders }
      }
      tierDistribution { counts { node { id name } tier { id name rank } members } }
      rfm { segments { segment customers } }
      ticketSla(from: $from) { rows { node { id name } opened resolved breached medianResolutionSeconds } }
    }
  }
`);

export const Events = graphql(`
  subscription Events($after: String) {
    events(after: $after) {
      cursor type occurredAt
      node { id name }
      subject {
        __typename id
        ... on Customer { name }
        ... on Interaction { summary customer { id name } }
        ... on Order { number }
        ... on Ticket { number subject }
      }
    }
  }
`);
